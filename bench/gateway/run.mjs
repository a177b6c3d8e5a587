/**
 * `npm run bench:gateway`: installs bench/gateway's own packages (Hive Gateway, stock Apollo
 * Gateway, autocannon; never part of the root install) when they are missing, then runs the
 * benchmark (main.ts) with the root's tsx. Arguments are passed on (see main.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = join(root, "bench/gateway");

if (!existsSync(join(here, "node_modules"))) {
  console.log("installing bench/gateway's packages (once)");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const install = spawnSync(npm, ["install", "--prefix", "bench/gateway", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
  if (install.status !== 0) {
    console.error("npm install --prefix bench/gateway failed");
    process.exit(install.status ?? 1);
  }
}

const child = spawn(join(root, "node_modules/.bin/tsx"), [join(here, "main.ts"), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
// The bench cleans up on SIGINT/SIGTERM (servers stopped, database dropped): pass them on, then
// wait for it to exit.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
