import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const SERVERS = {
  ours: "(a) our gateway",
  apollo: "(b) stock Apollo Gateway",
  hive: "(c) Hive Gateway",
  direct: "(d) sites subgraph directly",
} as const;
export type ServerId = keyof typeof SERVERS;
export type QueryId = "single" | "federated";

/** One measured run of one server with one query. */
export type Run = {
  round: number;
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the measured server's process per 1,000 completed requests. */
  cpuMsPer1k: number;
  /** CPU of the subgraphs' process per 1,000 requests (for a gateway: its subgraph fetches). */
  subgraphsCpuMsPer1k: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Share of the machine other processes used during the run (see load.ts). */
  interferencePercent: number;
  /** Runs disturbed by other processes are measured again (up to 3 attempts); the least disturbed counts. */
  attempts: number;
};

/**
 * The best round (highest req/s) of one server with one query, and every round. Disturbances
 * (other work on the machine, a noisy neighbour of the virtual machine) only ever slow a run
 * down, so the best round is the least disturbed one.
 */
export type Cell = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPer1k: number;
  subgraphsCpuMsPer1k: number;
  /** The round the numbers come from. */
  round: number;
  /** Every run answered 2xx without socket errors or timeouts. */
  clean: boolean;
  runs: Run[];
};

export type Ratios = { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuMsPer1k: number };

export type Goal = {
  query: QueryId;
  label: string;
  value: number;
  comparison: "≥" | "≤";
  target: number;
  hit: boolean;
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export const cellOf = (runs: Run[]): Cell => {
  const best = runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return {
    requestsPerSecond: best.requestsPerSecond,
    p50Ms: best.p50Ms,
    p99Ms: best.p99Ms,
    cpuMsPer1k: best.cpuMsPer1k,
    subgraphsCpuMsPer1k: best.subgraphsCpuMsPer1k,
    round: best.round,
    clean: runs.every((r) => r.errors === 0 && r.timeouts === 0 && r.non2xx === 0 && r.requests > 0),
    runs,
  };
};

export const ratiosOf = (cell: Cell, reference: Cell): Ratios => ({
  requestsPerSecond: round(cell.requestsPerSecond / reference.requestsPerSecond, 3),
  p50Ms: round(cell.p50Ms / reference.p50Ms, 3),
  p99Ms: round(cell.p99Ms / reference.p99Ms, 3),
  cpuMsPer1k: round(cell.cpuMsPer1k / reference.cpuMsPer1k, 3),
});

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
};

const x = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? "–" : `${value.toFixed(2)}×`;

/** Every server with each query: numbers, then each ratio to (b) and to (c). */
export const formatResults = (
  results: Partial<Record<QueryId, Partial<Record<ServerId, Cell>>>>,
  queryLabels: Record<QueryId, string>,
): string => {
  const rows: string[][] = [];
  for (const [query, cells] of Object.entries(results) as [QueryId, Partial<Record<ServerId, Cell>>][]) {
    const apollo = cells.apollo;
    const hive = cells.hive;
    for (const [server, cell] of Object.entries(cells) as [ServerId, Cell][]) {
      const toApollo = apollo ? ratiosOf(cell, apollo) : undefined;
      const toHive = hive ? ratiosOf(cell, hive) : undefined;
      rows.push([
        queryLabels[query],
        `${SERVERS[server]}${cell.clean ? "" : " (errors!)"}`,
        cell.requestsPerSecond.toFixed(0),
        cell.p50Ms.toFixed(1),
        cell.p99Ms.toFixed(1),
        cell.cpuMsPer1k.toFixed(0),
        x(toApollo?.requestsPerSecond),
        x(toHive?.requestsPerSecond),
        x(toHive?.p50Ms),
        x(toHive?.p99Ms),
        x(toApollo?.cpuMsPer1k),
        x(toHive?.cpuMsPer1k),
      ]);
    }
  }
  return table(
    [
      "Query",
      "Server",
      "req/s",
      "p50 ms",
      "p99 ms",
      "CPU ms / 1k req",
      "req/s ÷ (b)",
      "req/s ÷ (c)",
      "p50 ÷ (c)",
      "p99 ÷ (c)",
      "CPU ÷ (b)",
      "CPU ÷ (c)",
    ],
    rows,
  );
};

export const formatGoals = (goals: Goal[], queryLabels: Record<QueryId, string>): string =>
  table(
    ["Goal", "Query", "Value", "Target", "Hit"],
    goals.map((goal) => [
      goal.label,
      queryLabels[goal.query],
      x(goal.value),
      `${goal.comparison} ${goal.target.toFixed(2)}×`,
      goal.hit ? "hit" : "MISS",
    ]),
  );

/** Writes JSON atomically (temporary file, then rename), creating the directory. */
export const writeJson = (path: string, data: unknown): void => {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(temporary, path);
};
