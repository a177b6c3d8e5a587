// `npm run build -w @taruvi/sdk` (and `npm pack`, through prepack): the publishable package in dist/.
//
//   dist/index.js            ESM, one bundled file (@taruvi/errors' codes inlined: no workspace dependency)
//   dist/*.d.ts              declarations (tsc), with .js specifiers for node16/bundler resolution
//   dist/cjs/index.js        CommonJS, the same bundle; dist/cjs/package.json says "commonjs", so
//   dist/cjs/*.d.ts          the copied declarations read as CommonJS types
//   dist/schema.graphql      the public API schema the package was generated from
//   dist/introspection.json  the same schema as an introspection result (tools that want JSON)
//
// It fails when anything in dist/ still names a workspace package (@taruvi/...).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";
import { buildSchema, introspectionFromSchema } from "graphql";

const sdkDir = fileURLToPath(new URL("../", import.meta.url));
const dist = join(sdkDir, "dist");
const schemaFile = fileURLToPath(new URL("../../../supergraph/api-schema.graphql", import.meta.url));
const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));

rmSync(dist, { recursive: true, force: true });

// Declarations first: tsc type-checks the source on the way.
execFileSync(process.execPath, [tsc, "-p", join(sdkDir, "tsconfig.build.json")], { stdio: "inherit" });

const common: BuildOptions = {
  entryPoints: [join(sdkDir, "src/index.ts")],
  bundle: true,
  platform: "neutral",
  target: "es2022",
  // Type-only at run time; a real import would stay a dependency of the package.
  external: ["@graphql-typed-document-node/core"],
  sourcemap: true,
  sourcesContent: true,
  legalComments: "none",
  logLevel: "warning",
};
await build({ ...common, format: "esm", outfile: join(dist, "index.js") });
await build({ ...common, format: "cjs", outfile: join(dist, "cjs/index.js") });
writeFileSync(join(dist, "cjs/package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

for (const file of files(dist)) {
  if (!file.endsWith(".d.ts") || file.startsWith(join(dist, "cjs"))) continue;
  const target = join(dist, "cjs", relative(dist, file));
  mkdirSync(join(target, ".."), { recursive: true });
  cpSync(file, target);
}

const sdl = readFileSync(schemaFile, "utf8");
writeFileSync(join(dist, "schema.graphql"), sdl);
writeFileSync(
  join(dist, "introspection.json"),
  `${JSON.stringify(introspectionFromSchema(buildSchema(sdl), { descriptions: true }), null, 2)}\n`,
);

const leaks = files(dist).filter(
  (file) => !file.endsWith(".map") && /["']@taruvi\//.test(readFileSync(file, "utf8")),
);
if (leaks.length > 0) {
  console.error(`dist/ names a workspace package in: ${leaks.map((f) => relative(sdkDir, f)).join(", ")}`);
  process.exit(1);
}
console.log(`built ${relative(process.cwd(), dist) || "dist"} (${files(dist).length} files)`);
