#!/usr/bin/env node
// Generates both Prisma clients (platform and tenant) into packages/db/src/generated.
// Offline-safe: `prisma generate` needs no engine at run time with the prisma-client
// generator, but it still looks for a schema-engine binary and would try to download one.
// Pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub file stops that.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prismaBin = join(root, "node_modules", "prisma", "build", "index.js");
if (!existsSync(prismaBin)) {
  // A production install (`npm ci --omit=dev`): the generated clients are inside the builds.
  console.log("generate-prisma: prisma is not installed; skipping");
  process.exit(0);
}

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const stub = join(mkdtempSync(join(tmpdir(), "taruvi-prisma-")), "schema-engine");
  writeFileSync(stub, "#!/bin/sh\necho 'schema-engine is not used by taruvi' >&2\nexit 1\n");
  chmodSync(stub, 0o755);
  env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}

for (const scope of ["platform", "tenant"]) {
  if (!existsSync(join(root, "prisma", scope, "schema.prisma"))) {
    console.log(`generate-prisma: no prisma/${scope}/schema.prisma here (a release tree); skipping`);
    continue;
  }
  const result = spawnSync(
    process.execPath,
    [prismaBin, "generate", "--schema", join("prisma", scope, "schema.prisma")],
    { cwd: root, env, stdio: "inherit" },
  );
  if (result.status !== 0) {
    console.error(`generate-prisma: generating the ${scope} client failed`);
    process.exit(result.status ?? 1);
  }
}
