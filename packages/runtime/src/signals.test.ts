import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../test/stop-fixture.ts", import.meta.url));

/** Starts the fixture, SIGTERMs it once it is ready, and resolves its exit code and log messages. */
const stopped = (env: { CLOSE_MS: string; TIMEOUT_MS: string }) =>
  new Promise<{ code: number | null; messages: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"ready"')) child.kill("SIGTERM");
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(killer);
      const messages = out
        .split("\n")
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      resolve({ code, messages });
    });
  });

describe("stopOnSignals", () => {
  it("on SIGTERM announces the stop, then closes and exits 0", async () => {
    const { code, messages } = await stopped({ CLOSE_MS: "100", TIMEOUT_MS: "10000" });
    expect(code).toBe(0);
    expect(messages.slice(0, 3)).toEqual(["ready", "shutting down: draining", "drain begun"]);
    // pino writes asynchronously and flushes synchronously at exit: the last two lines may swap.
    expect(messages.slice(3).sort()).toEqual(["closed", "shut down"]);
  });

  it("a close that outlasts SHUTDOWN_TIMEOUT_MS is logged and exits 1", async () => {
    const { code, messages } = await stopped({ CLOSE_MS: "60000", TIMEOUT_MS: "1000" });
    expect(code).toBe(1);
    expect(messages).toEqual([
      "ready",
      "shutting down: draining",
      "drain begun",
      "shutdown timed out; exiting",
    ]);
  });
});
