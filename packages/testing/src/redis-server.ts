import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";
import { freePort } from "./free-port";

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once("connect", () => {
      socket.end();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1");
  });

export type OwnRedis = {
  url: string;
  /** Kills the server (SIGKILL: a crash, nothing flushed) and waits for its exit. */
  stop: () => Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start: () => Promise<void>;
};

/**
 * A redis-server of the test's own on a free port, without persistence: fault tests stop and
 * start it, never the shared Redis other test files use.
 */
export const startOwnRedis = async (): Promise<OwnRedis> => {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const spawned = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      { stdio: "ignore" },
    );
    child = spawned;
    const deadline = Date.now() + 5_000;
    while (!(await answers(port))) {
      if (spawned.exitCode !== null || Date.now() > deadline) {
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
};
