import type { Reading } from "./meter";

/** The processes whose usage is read in every phase. */
export const PROCESSES = {
  gateway: "gateway",
  files: "files subgraph",
  core: "core subgraphs",
  storage: "storage server",
  client: "client (bench)",
} as const;
export type ProcessId = keyof typeof PROCESSES;

export type PathId = "reference" | "platform";
export const PATHS: Record<PathId, string> = {
  reference: "storage server alone",
  platform: "through the platform",
};

export type CaseId = "small" | "large" | "single";

/** One measured phase: one case, one path, one round. */
export type Phase = Reading<ProcessId> & {
  storage: "s3" | "local";
  /** The local store is served by the files subgraph itself: its storage usage is the files column. */
  storageIsFiles: boolean;
  case: CaseId;
  path: PathId;
  round: number;
  wallMs: number;
  files: number;
  bytes: number;
  /** Operations sent to the gateway (0 for the reference). */
  gatewayOperations: number;
};

/** The least disturbed round of one case and path: the lowest wall time. */
export const bestOf = (phases: Phase[], caseId: CaseId, path: PathId): Phase => {
  const [first, ...rest] = phases.filter((p) => p.case === caseId && p.path === path);
  if (!first) throw new Error(`no phase for ${caseId} / ${path}`);
  return rest.reduce((a, b) => (b.wallMs < a.wallMs ? b : a), first);
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

const ms = (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);
const bytes = (value: number) => {
  if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(0)} KiB`;
  return `${value} B`;
};

/** A Markdown table, columns padded so it also reads well in a terminal. */
export const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
};

/** Time and CPU per case: the reference, then the platform with its ratio to the reference. */
export const formatTimes = (phases: Phase[], labels: Record<CaseId, string>): string =>
  table(
    [
      "Case",
      "Path",
      "Wall",
      "÷ reference",
      "gateway CPU",
      "files CPU",
      "core subgraphs CPU",
      "storage server CPU",
      "client CPU",
      "machine busy",
    ],
    (Object.keys(labels) as CaseId[]).flatMap((caseId) => {
      const reference = bestOf(phases, caseId, "reference");
      return (["reference", "platform"] as const).map((path) => {
        const p = bestOf(phases, caseId, path);
        return [
          labels[caseId],
          PATHS[path],
          ms(p.wallMs),
          `${(p.wallMs / reference.wallMs).toFixed(2)}×`,
          ms(p.usage.gateway.cpuMs),
          ms(p.usage.files.cpuMs),
          ms(p.usage.core.cpuMs),
          p.storageIsFiles ? "= files" : ms(p.usage.storage.cpuMs),
          ms(p.usage.client.cpuMs),
          `${p.machineBusyPercent} %`,
        ];
      });
    }),
  );

/** Bytes each server process read and wrote during the platform path: where the bytes went. */
export const formatBytes = (phases: Phase[], labels: Record<CaseId, string>): string =>
  table(
    ["Case (platform path)", "payload", "gateway in / out", "files in / out", "storage server in / out"],
    (Object.keys(labels) as CaseId[]).map((caseId) => {
      const p = bestOf(phases, caseId, "platform");
      const io = (id: ProcessId) => `${bytes(p.usage[id].readBytes)} / ${bytes(p.usage[id].writtenBytes)}`;
      return [
        labels[caseId],
        bytes(p.bytes),
        io("gateway"),
        io("files"),
        p.storageIsFiles ? "= files" : io("storage"),
      ];
    }),
  );
