#!/usr/bin/env node
// The console's weight as a browser downloads it: every built .js and .css file, gzip-compressed
// (level 9). Prints the total and fails the build when it exceeds the budget in the README
// (BUNDLE_BUDGET_KB below; change both together).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const BUNDLE_BUDGET_KB = 150;

const dist = new URL("../dist/", import.meta.url).pathname;
const files = readdirSync(join(dist, "assets")).filter((name) => /\.(js|css)$/.test(name));
let total = 0;
for (const name of files) {
  const size = gzipSync(readFileSync(join(dist, "assets", name)), { level: 9 }).length;
  total += size;
  console.log(`  ${name}: ${(size / 1024).toFixed(1)} kB gzip`);
}
const kb = total / 1024;
console.log(`console bundle: ${kb.toFixed(1)} kB gzip (budget ${BUNDLE_BUDGET_KB} kB)`);
if (kb > BUNDLE_BUDGET_KB) {
  console.error(`console bundle exceeds its budget of ${BUNDLE_BUDGET_KB} kB gzip (README: Console)`);
  process.exit(1);
}
