import { type ChildProcess, fork } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { cpuMs, machineBusyMs, postgresCpuMs } from "./processes";

const LOAD_SCRIPT = fileURLToPath(new URL("./load.mjs", import.meta.url));

export type LoadResult = {
  durationSeconds: number;
  /** Completed requests (any status). */
  requests: number;
  sent: number;
  requestsPerSecondMean: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
};

export type Measured = LoadResult & {
  /** CPU ms each watched process used during the measured part (not the warm-up). */
  cpuMs: Record<string, number>;
  /**
   * Share of the machine (all cores, over the measured part) busy with processes that are not
   * the bench's: not its servers (`all`), the load generator or PostgreSQL. Another build on
   * the same machine shows up here.
   */
  interferencePercent: number;
  /** CPU ms PostgreSQL (the server and every backend) used during the measured part. */
  postgresCpuMs: number;
  /** CPU ms the load generator's process used during the measured part. */
  loadCpuMs: number;
};

/**
 * One autocannon run in its own process: `warmupSeconds` unmeasured, then `durationSeconds`
 * measured. The CPU counters of `watch` (name → pid) are read right before and right after the
 * measured part.
 */
export const measure = ({
  url,
  headers,
  body,
  connections,
  warmupSeconds,
  durationSeconds,
  watch,
  all,
  cwd,
  track,
  signContext,
}: {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Sign x-taruvi-context per request, as a gateway would (the direct-to-subgraph baseline). */
  signContext?: { secret: string; audience: string; context: unknown };
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  watch: Record<string, number>;
  /** Every process of the bench that may use CPU (for the interference estimate). */
  all: number[];
  cwd: string;
  /** Called with the load process so clean-up can kill it on Ctrl-C. */
  track: (child: ChildProcess) => void;
}): Promise<Measured> =>
  new Promise((resolve, reject) => {
    const options = { url, headers, body, connections, warmupSeconds, durationSeconds, signContext };
    const child = fork(LOAD_SCRIPT, [JSON.stringify(options)], {
      cwd,
      // tsx's loader only when the load signs with the workspace's TypeScript code.
      execArgv: signContext ? ["--import", "tsx"] : [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    track(child);
    let before: Record<string, number> = {};
    let beforeMachine = {
      busy: 0,
      processes: new Map<number, number>(),
      postgres: new Map<number, number>(),
      at: 0,
    };
    let done = false;
    const readAll = () => Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuMs(pid)]));
    /** Machine busy time and the CPU of each of the bench's processes (servers, load, PostgreSQL). */
    const readMachine = () => {
      const postgres = postgresCpuMs();
      const processes = new Map(postgres);
      for (const pid of child.pid === undefined ? all : [...all, child.pid]) {
        try {
          processes.set(pid, cpuMs(pid));
        } catch {
          // Gone (it is reported elsewhere).
        }
      }
      return { busy: machineBusyMs(), processes, postgres, at: performance.now() };
    };
    /** CPU the bench's processes used between two readings (a process that ended is left out). */
    const benchCpu = (before: Map<number, number>, after: Map<number, number>) => {
      let total = 0;
      for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
      return total;
    };
    child.on("message", (message: { type: string; result?: LoadResult }) => {
      if (message.type === "warm") {
        beforeMachine = readMachine();
        before = readAll();
        child.send({ type: "go" });
      } else if (message.type === "result" && message.result) {
        const after = readAll();
        const afterMachine = readMachine();
        const others =
          afterMachine.busy - beforeMachine.busy - benchCpu(beforeMachine.processes, afterMachine.processes);
        const capacity = (afterMachine.at - beforeMachine.at) * cpus().length;
        done = true;
        resolve({
          ...message.result,
          interferencePercent: Math.max(0, Math.round((others / capacity) * 1000) / 10),
          postgresCpuMs: benchCpu(beforeMachine.postgres, afterMachine.postgres),
          loadCpuMs:
            child.pid === undefined
              ? 0
              : (afterMachine.processes.get(child.pid) ?? 0) - (beforeMachine.processes.get(child.pid) ?? 0),
          cpuMs: Object.fromEntries(
            Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? value)]),
          ),
        });
      }
    });
    child.once("exit", (code, signal) => {
      if (!done) reject(new Error(`load generator exited without a result (${signal ?? code})`));
    });
  });

/**
 * Several runs of one server as one: counts and CPU added up, the mean latency weighted by
 * requests, p50 and p99 the median of the runs' (autocannon gives no histogram to merge), the
 * disturbance the mean over the time measured.
 */
export const mergeMeasured = (runs: Measured[]): Measured => {
  if (runs.length === 1 && runs[0]) return runs[0];
  const sum = (pick: (run: Measured) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const middle = (pick: (run: Measured) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    const at = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[at] ?? 0) : ((sorted[at - 1] ?? 0) + (sorted[at] ?? 0)) / 2;
  };
  const durationSeconds = sum((run) => run.durationSeconds);
  const requests = sum((run) => run.requests);
  const statusCodes: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    for (const [name, ms] of Object.entries(run.cpuMs)) cpuMs[name] = (cpuMs[name] ?? 0) + ms;
  }
  return {
    durationSeconds,
    requests,
    sent: sum((run) => run.sent),
    requestsPerSecondMean: requests / durationSeconds,
    latencyMs: {
      mean: sum((run) => run.latencyMs.mean * run.requests) / Math.max(requests, 1),
      p50: middle((run) => run.latencyMs.p50),
      p90: middle((run) => run.latencyMs.p90),
      p99: middle((run) => run.latencyMs.p99),
      max: Math.max(...runs.map((run) => run.latencyMs.max)),
    },
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    non2xx: sum((run) => run.non2xx),
    statusCodes,
    cpuMs,
    interferencePercent:
      Math.round((sum((run) => run.interferencePercent * run.durationSeconds) / durationSeconds) * 10) / 10,
    postgresCpuMs: sum((run) => run.postgresCpuMs),
    loadCpuMs: sum((run) => run.loadCpuMs),
  };
};
