#!/usr/bin/env node
// `npm run sdk:pack-check` (CI): packs @taruvi/sdk as it would be published (`npm pack`, which
// builds it through prepack) and checks the tarball: publint (package.json against the files),
// Are the Types Wrong (types for ESM, CommonJS, node10/node16/bundler resolution), and that it
// holds only the build, the schema, the codegen command and the docs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const dir = mkdtempSync(join(tmpdir(), "taruvi-sdk-pack-"));
try {
  const output = execFileSync("npm", ["pack", "-w", "@taruvi/sdk", "--json", "--pack-destination", dir], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The build (prepack) prints before npm's JSON.
  const [packed] = JSON.parse(output.slice(output.search(/^\[/m)));
  const tarball = join(dir, packed.filename);
  const files = packed.files.map((file) => file.path);
  const unexpected = files.filter(
    (path) => !/^(dist\/|bin\/taruvi-sdk\.js$|package\.json$|README\.md$|CHANGELOG\.md$)/.test(path),
  );
  const missing = ["README.md", "CHANGELOG.md", "dist/schema.graphql", "dist/introspection.json"].filter(
    (path) => !files.includes(path),
  );
  if (unexpected.length > 0 || missing.length > 0) {
    console.error(
      `unexpected in the tarball: ${unexpected.join(", ") || "-"}; missing: ${missing.join(", ") || "-"}`,
    );
    process.exit(1);
  }
  console.log(
    `${packed.filename}: ${files.length} files, ${(statSync(tarball).size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked`,
  );
  execFileSync(bin("publint"), ["run", "--strict", tarball], { stdio: "inherit" });
  // The schema files are data, not modules: nothing to type.
  execFileSync(
    bin("attw"),
    [
      tarball,
      "--format",
      "table-flipped",
      "--exclude-entrypoints",
      "./schema.graphql",
      "./introspection.json",
    ],
    { stdio: "inherit" },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
