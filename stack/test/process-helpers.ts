import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@taruvi/testing";

const root = fileURLToPath(new URL("../../", import.meta.url));

export { freePort };

/**
 * What every app process of a test needs against the test stack `t`: its database and data, the
 * stack's context secret, small pools, and a free metrics port (other test files' processes run
 * beside them).
 */
export const appEnv = (t: { db: { url: string }; dataDir: string }, secret: string) => ({
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  DATABASE_URL: t.db.url,
  DATA_DIR: t.dataDir,
  INTERNAL_CONTEXT_SECRET: secret,
  LOG_LEVEL: "info",
  DB_POOL_SIZE: "3",
  METRICS_PORT: "0",
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it resolves true; past `timeoutMs` throws naming `what`. */
export const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
};

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type AppProcess = {
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Whether it is still running. */
  alive: () => boolean;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`, then throws). */
  stop: (signal: NodeJS.Signals, timeoutMs?: number) => Promise<Exit>;
  /** Its recent output (stdout and stderr), for failure messages. */
  output: () => string;
};

const running = new Set<AppProcess>();

/**
 * A deployable as its own process, from source as `npm start` runs it (`node --import tsx
 * <entry>`, e.g. apps/gateway/src/index.ts), with `env` on top of PATH and HOME only, and
 * `preload` modules imported before it (as the tracing preload is).
 */
export const spawnApp = (entry: string, env: Record<string, string>, preload: string[] = []): AppProcess => {
  const imports = ["tsx", ...preload].flatMap((module) => ["--import", module]);
  const child: ChildProcess = spawn(process.execPath, [...imports, entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const app: AppProcess = {
    pid: child.pid ?? -1,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => log,
    stop: async (signal, timeoutMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const late = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const exit = await exited;
      clearTimeout(late);
      if (exit.signal === "SIGKILL" && signal !== "SIGKILL") {
        throw new Error(`${entry} did not exit within ${timeoutMs} ms of ${signal}:\n${log}`);
      }
      return exit;
    },
  };
  running.add(app);
  void exited.then(() => running.delete(app));
  return app;
};

/** Kills every process `spawnApp` started that is still running (afterAll, even after a failure). */
export const killAllApps = async () => {
  await Promise.all([...running].map((app) => app.stop("SIGKILL")));
};

/**
 * `count` processes of the app at `entry`, each on a free port with `env`, once every one
 * answers `/readyz` (its output in the error when one does not): their ports.
 */
export const spawnReadyApps = async (entry: string, env: Record<string, string>, count: number) => {
  const ports: number[] = [];
  const started: AppProcess[] = [];
  for (let i = 0; i < count; i += 1) {
    const port = await freePort();
    ports.push(port);
    started.push(spawnApp(entry, { ...env, PORT: String(port) }));
  }
  await Promise.all(
    ports.map((port, i) =>
      waitUntil(
        `${entry} process ${i} ready`,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${started[i]?.output()}`);
      }),
    ),
  );
  return ports;
};

/**
 * Milliseconds from `since` until `outcomeAt` answers `wanted` at every port (each asked every
 * 20 ms until it does, 5 s at most); fails listing the ports that never did.
 */
export const everywhereAfter = async (
  ports: number[],
  outcomeAt: (port: number) => Promise<string>,
  wanted: string,
  since: number,
): Promise<number> => {
  const pending = new Set(ports);
  const at = new Map<number, number>();
  while (pending.size > 0 && Date.now() - since < 5_000) {
    await Promise.all(
      [...pending].map(async (port) => {
        if ((await outcomeAt(port)) === wanted) {
          at.set(port, Date.now() - since);
          pending.delete(port);
        }
      }),
    );
    if (pending.size > 0) await sleep(20);
  }
  if (pending.size > 0) throw new Error(`still not ${wanted} after 5 s at ports ${[...pending].join(", ")}`);
  return Math.max(...at.values());
};
