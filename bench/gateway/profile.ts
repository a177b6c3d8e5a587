import { readFileSync } from "node:fs";

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type ProfileSummary = {
  file: string;
  /** Sampled time, idle included, in ms. */
  totalMs: number;
  /** Sampled time minus "(idle)", in ms. */
  busyMs: number;
  top: { function: string; location: string; selfMs: number; percentOfBusy: number }[];
  byPackage: { package: string; selfMs: number; percentOfBusy: number }[];
};

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Where code lives: an npm package, a workspace folder, Node's internals, or V8's pseudo-frames. */
const packageOf = (url: string, functionName: string): string => {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node: (core)";
  const path = url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("/node_modules/");
  if (inModules >= 0) {
    const parts = path.slice(inModules + "/node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  const workspace = path.match(/\/(apps|packages|stack|bench)\/([^/]+)\//);
  return workspace ? `${workspace[1]}/${workspace[2]}` : path;
};

const shortLocation = (frame: CallFrame): string => {
  if (frame.url === "") return "";
  const path = frame.url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("/node_modules/");
  const shown =
    inModules >= 0
      ? path.slice(inModules + "/node_modules/".length)
      : path.replace(/^.*?\/(apps|packages|stack|bench)\//, "$1/");
  return `${shown}:${frame.lineNumber + 1}`;
};

/** Self time per function and per package of a V8 .cpuprofile (Profiler.stop output). */
export const summarizeProfile = (file: string, topN = 30): ProfileSummary => {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** A native function (empty url, e.g. a WebCrypto job or a socket write) is shown with its JS caller. */
  const callerFrame = (id: number): CallFrame | undefined => {
    for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame && frame.url !== "") return frame;
    }
    return undefined;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const functions = new Map<string, { function: string; location: string; us: number }>();
  const packages = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const native = frame.url === "" && !frame.functionName.startsWith("(");
    const caller = native ? callerFrame(id) : undefined;
    const location = caller ? `native, from ${shortLocation(caller)}` : shortLocation(frame);
    const name = frame.functionName || "(anonymous)";
    const key = `${name} ${location}`;
    const entry = functions.get(key) ?? { function: name, location, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const pkg = caller
      ? packageOf(caller.url, caller.functionName)
      : packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const percent = (us: number) => round((us / Math.max(busyUs, 1)) * 100);
  return {
    file,
    totalMs: round(totalUs / 1000),
    busyMs: round(busyUs / 1000),
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((entry) => ({
        function: entry.function,
        location: entry.location,
        selfMs: round(entry.us / 1000),
        percentOfBusy: percent(entry.us),
      })),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, us]) => ({ package: name, selfMs: round(us / 1000), percentOfBusy: percent(us) })),
  };
};
