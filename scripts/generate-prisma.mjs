#!/usr/bin/env node
// Generates both Prisma clients (platform and tenant) into packages/db/src/generated, and each
// registered product service's own client (services/<name>/prisma/schema.prisma) into
// services/<name>/src/generated (services/registry.json, read as plain JSON: this runs at
// postinstall, before any workspace package can be imported).
// Offline-safe: `prisma generate` needs no engine at run time with the prisma-client
// generator, but it still looks for a schema-engine binary and would try to download one.
// Pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub file stops that.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

const generate = (label, schema) => {
  const result = spawnSync(process.execPath, [prismaBin, "generate", "--schema", schema], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    console.error(`generate-prisma: generating the ${label} client failed`);
    process.exit(result.status ?? 1);
  }
};

for (const scope of ["platform", "tenant"]) {
  if (!existsSync(join(root, "prisma", scope, "schema.prisma"))) {
    console.log(`generate-prisma: no prisma/${scope}/schema.prisma here (a release tree); skipping`);
    continue;
  }
  generate(scope, join("prisma", scope, "schema.prisma"));
}

// Product services: only registered ones, under apps/ or services/, never the core four (the
// registry validates names and dirs when the platform loads it; here a malformed entry is
// skipped, never followed).
const CORE = new Set(["identity", "organizations", "sites", "audit"]);
const registryPath = join(root, "services", "registry.json");
const registered = existsSync(registryPath)
  ? (JSON.parse(readFileSync(registryPath, "utf8")).services ?? [])
  : [];
for (const { name, dir } of registered) {
  if (CORE.has(name) || typeof dir !== "string" || !/^(apps|services)\/[a-z][a-z0-9-]*$/.test(dir)) continue;
  const schema = join(dir, "prisma", "schema.prisma");
  if (existsSync(join(root, schema))) generate(`${name} service`, schema);
}
