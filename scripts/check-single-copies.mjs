#!/usr/bin/env node
// Fails when the install (package-lock.json) holds more than one copy of `pg` or of any
// `@prisma/*` package. One copy matters: PrismaPg shares a pool only when it is an instance of
// its own `pg`, Prisma's runtime and adapter must come from one release, and instrumentation
// patches the one module it finds.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const lock = JSON.parse(readFileSync(join(import.meta.dirname, "..", "package-lock.json"), "utf8"));
const watched = (name) => name === "pg" || name.startsWith("@prisma/");
const copies = new Map();
for (const [path, entry] of Object.entries(lock.packages)) {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0 || entry.link) continue;
  const name = path.slice(at + "node_modules/".length);
  if (!watched(name)) continue;
  copies.set(name, [...(copies.get(name) ?? []), `${path} (${entry.version})`]);
}
const duplicated = [...copies].filter(([, paths]) => paths.length > 1);
for (const [name, paths] of duplicated)
  console.error(`${name}: ${paths.length} copies\n  ${paths.join("\n  ")}`);
const versionOf = (name) =>
  Object.entries(lock.packages).find(([path]) => path.endsWith(`node_modules/${name}`))?.[1].version;
const prismaVersions = new Set(["@prisma/client", "@prisma/adapter-pg", "prisma"].map(versionOf));
if (prismaVersions.size > 1)
  console.error(`prisma, @prisma/client and @prisma/adapter-pg differ: ${[...prismaVersions].join(", ")}`);
if (duplicated.length > 0 || prismaVersions.size > 1) process.exit(1);
console.log(`one copy each of ${copies.size} packages (pg, @prisma/*); Prisma ${[...prismaVersions][0]}`);
