import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** One app of the stack in its own process, with what it logged at warn level and above. */
export type AppProcess = {
  name: string;
  pid: number;
  /** Where the heap probe writes this process's samples (JSON lines). */
  heapFile: string;
  /** Log lines at error level or above (pino level ≥ 50), and the first few of them. */
  logErrors: { count: number; samples: string[] };
  /** Warn-level lines and anything on stderr that is not a log line (Node warnings, stray prints). */
  logWarnings: { count: number; samples: string[] };
  recentOutput: () => string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code (null: killed by a signal). */
  stop: (graceMs?: number) => Promise<number | null>;
};

const SAMPLES = 5;
const RECENT_LINES = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1 (closed again before the app takes it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });

/** Resident set size of a process in bytes, as the kernel counts it (VmRSS); null once it exited. */
export const rssBytes = (pid: number): number | null => {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
};

const tally = () => ({ count: 0, samples: [] as string[] });
const note = (into: { count: number; samples: string[] }, line: string) => {
  into.count += 1;
  if (into.samples.length < SAMPLES) into.samples.push(line.slice(0, 500));
};

/**
 * Spawns `node <execArgv> <entry>` and waits until it is ready: `healthUrl` answers 200, or, for
 * an app without a port (the worker), `readyLine` appears in its output.
 */
export const startApp = async ({
  name,
  execArgv,
  entry,
  env,
  cwd,
  heapFile,
  healthUrl,
  readyLine,
  timeoutMs = 90_000,
  register,
}: {
  name: string;
  execArgv: string[];
  entry: string;
  env: Record<string, string | undefined>;
  cwd: string;
  heapFile: string;
  healthUrl?: string;
  readyLine?: string;
  timeoutMs?: number;
  /** Called as soon as the process exists, so clean-up can stop it even if start-up fails. */
  register: (app: AppProcess) => void;
}): Promise<AppProcess> => {
  const child: ChildProcess = spawn(process.execPath, [...execArgv, entry], {
    cwd,
    env: { ...env, SOAK_HEAP_FILE: heapFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const recent: string[] = [];
  const logErrors = tally();
  const logWarnings = tally();
  let sawReadyLine = false;
  const collect = (fromStderr: boolean) => (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      if (readyLine && line.includes(readyLine)) sawReadyLine = true;
      let level: number | null = null;
      try {
        const parsed = JSON.parse(line) as { level?: unknown };
        level = typeof parsed.level === "number" ? parsed.level : null;
      } catch {}
      if (level !== null && level >= 50) note(logErrors, line);
      else if (level === 40 || (level === null && fromStderr)) note(logWarnings, line);
    }
  };
  child.stdout?.on("data", collect(false));
  child.stderr?.on("data", collect(true));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stopping: Promise<number | null> | null = null;
  const app: AppProcess = {
    name,
    pid: child.pid ?? -1,
    heapFile,
    logErrors,
    logWarnings,
    recentOutput: () => recent.join("\n"),
    stop: (graceMs = 15_000) => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
  };
  register(app);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${entry}`);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited during start-up (${child.signalCode ?? child.exitCode}):\n${app.recentOutput()}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`${name} not ready in ${timeoutMs} ms:\n${app.recentOutput()}`);
    const ready = healthUrl
      ? await fetch(healthUrl).then(
          (res) => res.ok,
          () => false,
        )
      : sawReadyLine;
    if (ready) return app;
    await sleep(100);
  }
};
