import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/taruvi.js", import.meta.url));

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the real `taruvi` command in a child process, as a user would. */
export const runTaruvi = (args: string[], env: Record<string, string>): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, LOG_LEVEL: "warn", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
