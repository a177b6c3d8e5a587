import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";

/** A server running in its own process, so its CPU time can be read on its own. */
export type ServerProcess = {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr), for error reports. */
  recentOutput: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  stop: (graceMs?: number) => Promise<void>;
};

export type ReadyMessage = { type: "ready"; url?: string; urls?: Record<string, string> };

const OUTPUT_LINES = 60;
let clockTicks: number | null = null;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux nearly everywhere). */
const ticksPerSecond = (): number => {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
};

/**
 * User + system CPU time of a process (all its threads: the event loop, libuv's pool, GC), in
 * ms, from /proc/<pid>/stat fields 14 and 15. Resolution: one clock tick (10 ms).
 */
export const cpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Field 2 (comm) is in parentheses and may contain spaces: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
};

/** Busy CPU time of the whole machine (all cores), in ms, from /proc/stat. */
export const machineBusyMs = (): number => {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond();
};

/**
 * Between runs the bench's own processes are idle, so the machine's busy share is other work
 * (a build, a test run). Waits, sampling every second, until it is below `percent` or `maxMs`
 * passed; resolves to how long it waited.
 */
export const waitForQuiet = async ({ percent, maxMs }: { percent: number; maxMs: number }) => {
  const started = performance.now();
  const capacity = cpus().length * 1000;
  for (;;) {
    const before = machineBusyMs();
    await sleep(1_000);
    const busy = ((machineBusyMs() - before) / capacity) * 100;
    const waited = performance.now() - started;
    if (busy < percent || waited >= maxMs) return waited;
  }
};

/** CPU ms of every process whose command is `postgres` (the server and its backends), by pid. */
export const postgresCpuMs = (): Map<number, number> => {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === "postgres") {
        byPid.set(Number(entry), cpuMs(Number(entry)));
      }
    } catch {
      // The process ended between readdir and read.
    }
  }
  return byPid;
};

/** A free TCP port on 127.0.0.1 (for servers that take a port but cannot report one). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `script` with `node` (fork: stdout/stderr piped, an IPC channel). Ready when the child
 * sends `{ type: "ready" }`, or, with `probeUrl`, when that URL answers 200. Fails when the child
 * exits first or `timeoutMs` passes.
 */
export const startServer = async ({
  name,
  script,
  args = [],
  execArgv = [],
  env,
  cwd,
  probeUrl,
  timeoutMs = 60_000,
  register,
}: {
  name: string;
  script: string;
  args?: string[];
  /** Node flags; the orchestrator's own (tsx's loader) are never inherited. */
  execArgv?: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  probeUrl?: string;
  timeoutMs?: number;
  /** Called as soon as the process exists, so clean-up can stop it even if start-up fails. */
  register: (server: ServerProcess) => void;
}): Promise<{ server: ServerProcess; ready: ReadyMessage }> => {
  const child = fork(script, args, { cwd, env, execArgv, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  let stopping: Promise<void> | null = null;
  const server: ServerProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    recentOutput: () => lines.join("\n"),
    stop: (graceMs = 5_000) => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
  register(server);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${script}`);

  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, message?: ReadyMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(message as ReadyMessage);
    };
    const timer = setTimeout(
      () => finish(new Error(`${name}: not ready after ${timeoutMs} ms\n${server.recentOutput()}`)),
      timeoutMs,
    );
    child.once("exit", (code, signal) =>
      finish(new Error(`${name}: exited during start-up (${signal ?? code})\n${server.recentOutput()}`)),
    );
    child.on("message", (message: unknown) => {
      if ((message as ReadyMessage | null)?.type === "ready") finish(null, message as ReadyMessage);
    });
    if (probeUrl) {
      void (async () => {
        while (!settled) {
          const ok = await fetch(probeUrl).then(
            (res) => res.ok,
            () => false,
          );
          if (ok) finish(null, { type: "ready", url: probeUrl });
          else await sleep(200);
        }
      })();
    }
  });
  return { server, ready };
};
