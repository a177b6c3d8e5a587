import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CONSOLE_DIR } from "@taruvi/gateway";
import type { Logger } from "@taruvi/logging";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `npm start` serves the console from its build: when the default build folder has no
 * index.html, it is built once (Vite, a few seconds). A CONSOLE_DIR given is used as it is.
 * Whether there is a console to serve; a failed build is logged, and the gateway answers /console
 * with how to build it.
 */
export const buildConsoleIfMissing = (consoleDir: string | undefined, logger: Logger): boolean => {
  const dir = consoleDir || DEFAULT_CONSOLE_DIR;
  if (existsSync(join(dir, "index.html"))) return true;
  if (consoleDir) return false;
  logger.info("building the console (apps/console) once");
  const result = spawnSync("npm", ["run", "build", "-w", "@taruvi/console"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) logger.warn("the console did not build; /console answers 404 until it does");
  return existsSync(join(dir, "index.html"));
};
