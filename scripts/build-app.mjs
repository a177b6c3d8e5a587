#!/usr/bin/env node
// Builds one deployable into runnable JavaScript: `node ../../scripts/build-app.mjs [entry] [out]`
// from its package folder (each app's `build` script; turbo runs them all for `npm run build`).
//
// Our workspace packages ship TypeScript source with extensionless imports, which plain `tsc`
// output cannot run under Node's ESM loader, so esbuild bundles our own code (apps and
// @taruvi/* packages) into one ES module per deployable. Every npm dependency stays external:
// it is loaded from node_modules at run time, so `pg` and `@prisma/*` stay single copies that
// instrumentation can patch, and the production install is just `npm ci --omit=dev`.
//
// Source files that locate files beside themselves (`new URL("../schema.graphql",
// import.meta.url)`, the SQL migrations) keep working: in each bundled module `import.meta.url`
// is rewritten to that module's original source location, relative to the bundle.
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { build } from "esbuild";

const cwd = process.cwd();
const entry = resolve(cwd, process.argv[2] ?? "src/index.ts");
const outfile = resolve(cwd, process.argv[3] ?? "dist/index.js");
const root = resolve(import.meta.dirname, "..");

/** Bare imports are npm dependencies (external) unless they name one of our workspaces. */
const externalDependencies = {
  name: "external-dependencies",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@taruvi/") || args.path.startsWith("node:")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** `import.meta.url` in our source → the source file's own URL, computed relative to the bundle. */
const sourceLocation = {
  name: "source-location",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("node_modules")) return undefined;
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return { contents: source, loader: "ts" };
      const fromBundle = relative(dirname(outfile), args.path).split("\\").join("/");
      return {
        contents: source.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  plugins: [externalDependencies, sourceLocation],
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`built ${relative(root, outfile)} (${(bytes / 1024).toFixed(0)} KiB with its source map)`);
