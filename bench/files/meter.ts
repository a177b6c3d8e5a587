import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { cpuMs, machineBusyMs } from "../gateway/processes";

/** What one process used during a phase. */
export type Usage = {
  /** User + system CPU time, all threads (/proc/<pid>/stat; 10 ms resolution). */
  cpuMs: number;
  /**
   * Bytes the process read and wrote through read()/write() system calls (/proc/<pid>/io `rchar`,
   * `wchar`): its sockets (libuv reads TCP with read()), pipes and files, cache hits included.
   */
  readBytes: number;
  writtenBytes: number;
};

const ioOf = (pid: number): { readBytes: number; writtenBytes: number } => {
  const fields = Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, "utf8")
      .trim()
      .split("\n")
      .map((line) => {
        const [name = "", value = "0"] = line.split(":");
        return [name.trim(), Number(value)];
      }),
  );
  return { readBytes: fields.rchar ?? 0, writtenBytes: fields.wchar ?? 0 };
};

const usageOf = (pid: number): Usage => ({ cpuMs: cpuMs(pid), ...ioOf(pid) });

export type Reading<P extends string> = {
  usage: Record<P, Usage>;
  /** Share of the whole machine busy during the phase (every process, ours and others'). */
  machineBusyPercent: number;
};

/** Starts reading `pids`; the returned function gives what each used since. */
export const startMeter = <P extends string>(pids: Record<P, number>): (() => Reading<P>) => {
  const names = Object.keys(pids) as P[];
  const before = new Map(names.map((name) => [name, usageOf(pids[name])]));
  const busyBefore = machineBusyMs();
  const started = performance.now();
  return () => {
    const elapsed = performance.now() - started;
    const usage = Object.fromEntries(
      names.map((name) => {
        const now = usageOf(pids[name]);
        const then = before.get(name) as Usage;
        return [
          name,
          {
            cpuMs: now.cpuMs - then.cpuMs,
            readBytes: now.readBytes - then.readBytes,
            writtenBytes: now.writtenBytes - then.writtenBytes,
          },
        ];
      }),
    ) as Record<P, Usage>;
    const busy = machineBusyMs() - busyBefore;
    return { usage, machineBusyPercent: Math.round((busy / (elapsed * cpus().length)) * 100) };
  };
};
