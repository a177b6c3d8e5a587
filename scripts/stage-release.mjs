#!/usr/bin/env node
// Lays out the production tree in <dir> from a built checkout (`npm run build` first): what the
// image's runtime stage holds and what CI starts on the host, the same files both ways.
//
//   node scripts/stage-release.mjs /release && cd /release && npm install --omit=dev
//
// It writes production manifests (the root's and those of the workspaces the deployables need,
// without development dependencies) beside the lockfile, so the install takes the lockfile's
// versions of exactly the production dependencies; the graphql-shield patch and the install hook
// that applies it; and what the builds read at run time: each deployable's dist/, the subgraphs'
// schema.graphql, the composed supergraph, the service registry and the SQL migrations (the
// core's and each product service's own, services/<name>/prisma/migrations). Product services
// under services/ are deployables like the apps: a `build` script running build-app.mjs. No
// TypeScript source.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const target = process.argv[2];
if (!target) {
  console.error("usage: node scripts/stage-release.mjs <dir>");
  process.exit(2);
}
const out = resolve(target);
if (existsSync(out) && readdirSync(out).length > 0) {
  console.error(`stage-release: ${out} is not empty`);
  process.exit(2);
}

const copy = (path) => {
  const from = join(root, path);
  if (!existsSync(from)) throw new Error(`stage-release: ${path} is missing (run npm run build?)`);
  mkdirSync(dirname(join(out, path)), { recursive: true });
  cpSync(from, join(out, path), { recursive: true });
};

const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const workspaceDirs = rootManifest.workspaces.flatMap((pattern) => {
  if (!pattern.endsWith("/*")) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(root, parent))
    .map((name) => `${parent}/${name}`)
    .filter((dir) => existsSync(join(root, dir, "package.json")));
});
const manifests = new Map(
  workspaceDirs.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    return [manifest.name, { dir, manifest }];
  }),
);

// The deployables (apps with a build, the CLI) and the workspaces their production
// dependencies reach; tests, the stack, the SDK and the examples are not part of a release.
const deployables = [...manifests.values()].filter(({ manifest }) =>
  manifest.scripts?.build?.includes("build-app.mjs"),
);
const release = new Map();
const visit = (name) => {
  const entry = manifests.get(name);
  if (!entry || release.has(name)) return;
  release.set(name, entry);
  for (const dependency of Object.keys(entry.manifest.dependencies ?? {})) visit(dependency);
};
for (const { manifest } of deployables) visit(manifest.name);

// The production manifest: no development dependencies (so neither the Prisma CLI nor what it
// pulls in as an optional peer is installed), only the released workspaces, and the install hook
// that applies patches/ (`npm install --omit=dev` in the release runs it).
const productionManifest = {
  name: rootManifest.name,
  private: true,
  type: rootManifest.type,
  engines: rootManifest.engines,
  workspaces: [...release.values()].map(({ dir }) => dir).sort(),
  scripts: Object.fromEntries(
    Object.entries(rootManifest.scripts).filter(
      ([name]) => name === "postinstall" || name.startsWith("start:"),
    ),
  ),
  dependencies: rootManifest.dependencies,
  allowScripts: rootManifest.allowScripts,
  overrides: rootManifest.overrides,
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "package.json"), `${JSON.stringify(productionManifest, null, 2)}\n`);
for (const path of ["package-lock.json", "patches", "scripts/generate-prisma.mjs"]) copy(path);
for (const { dir, manifest } of release.values()) {
  const { devDependencies: _dev, ...production } = manifest;
  mkdirSync(join(out, dir), { recursive: true });
  writeFileSync(join(out, dir, "package.json"), `${JSON.stringify(production, null, 2)}\n`);
  for (const runtimeFile of ["dist", "schema.graphql", "bin", "prisma/migrations"]) {
    if (existsSync(join(root, dir, runtimeFile))) copy(`${dir}/${runtimeFile}`);
  }
}
for (const path of [
  // The console's static build, which the gateway serves at /console (not a workspace of the release).
  "apps/console/dist",
  "supergraph",
  "services/registry.json",
  "prisma/platform/migrations",
  "prisma/tenant/migrations",
]) {
  copy(path);
}

// Every registered service must be in the release: a subgraph the gateway expects but the image
// cannot start would only fail at deploy time.
const registered = JSON.parse(readFileSync(join(root, "services/registry.json"), "utf8")).services;
const staged = new Set([...release.values()].map(({ dir }) => dir));
const missing = registered.filter(({ dir }) => !staged.has(dir) || !existsSync(join(out, dir, "dist")));
if (missing.length > 0) {
  for (const { name, dir } of missing) {
    console.error(
      `stage-release: service ${name} (${dir}) has no build: its package.json needs "build": "node ../../scripts/build-app.mjs" (then npm run build)`,
    );
  }
  process.exit(1);
}

// Source maps stay (stack traces name our source lines); nothing else from the build folders.
for (const { dir } of release.values()) {
  const dist = join(out, dir, "dist");
  if (!existsSync(dist)) continue;
  for (const name of readdirSync(dist)) {
    if (!/\.(js|js\.map)$/.test(name)) rmSync(join(dist, name), { recursive: true, force: true });
  }
}

const size = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((sum, name) => sum + size(join(path, name)), 0)
    : statSync(path).size;
console.log(`staged ${release.size} workspaces into ${out} (${(size(out) / 1024).toFixed(0)} KiB)`);
