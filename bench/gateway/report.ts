import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const SERVERS = {
  ours: "(a) our gateway",
  apollo: "(b) stock Apollo Gateway",
  hive: "(c) Hive Gateway",
  direct: "(d) sites subgraph directly",
  proxy: "(e) a bare Node HTTP proxy",
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
  /** CPU of PostgreSQL (server and backends) per 1,000 requests. */
  postgresCpuMsPer1k: number;
  /** CPU of the load generator per 1,000 requests. */
  loadCpuMsPer1k: number;
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
 * One server with one query over every round: each number is the median of the rounds (the
 * issue's measure: a median of ≥ 3 rounds), and every round is kept.
 */
export type Cell = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPer1k: number;
  subgraphsCpuMsPer1k: number;
  postgresCpuMsPer1k: number;
  loadCpuMsPer1k: number;
  /** How many rounds the medians are of. */
  rounds: number;
  /** Every run answered 2xx without socket errors or timeouts. */
  clean: boolean;
  runs: Run[];
};

export type Ratios = { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuMsPer1k: number };

export type Goal = {
  query: QueryId;
  label: string;
  value: number;
  /** The value of each round, where the goal is about rounds. */
  rounds?: number[];
  comparison: "≥" | "≤";
  target: number;
  hit: boolean;
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** The median of some numbers (the mean of the middle two for an even count). */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

export const cellOf = (runs: Run[]): Cell => {
  const of = (pick: (run: Run) => number) => round(median(runs.map(pick)), 1);
  return {
    requestsPerSecond: of((r) => r.requestsPerSecond),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    cpuMsPer1k: of((r) => r.cpuMsPer1k),
    subgraphsCpuMsPer1k: of((r) => r.subgraphsCpuMsPer1k),
    postgresCpuMsPer1k: of((r) => r.postgresCpuMsPer1k),
    loadCpuMsPer1k: of((r) => r.loadCpuMsPer1k),
    rounds: runs.length,
    clean: runs.every((r) => r.errors === 0 && r.timeouts === 0 && r.non2xx === 0 && r.requests > 0),
    runs,
  };
};

/** `cell ÷ reference` of one number in each round both ran, in round order. */
export const perRound = (cell: Cell, reference: Cell, pick: (run: Run) => number): number[] =>
  cell.runs.flatMap((run) => {
    const other = reference.runs.find((r) => r.round === run.round);
    return other ? [round(pick(run) / pick(other), 3)] : [];
  });

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
        server === "direct" ? "–" : cell.subgraphsCpuMsPer1k.toFixed(0),
        cell.postgresCpuMsPer1k.toFixed(0),
        cell.loadCpuMsPer1k.toFixed(0),
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
      "subgraphs",
      "PostgreSQL",
      "load",
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
    ["Goal", "Query", "Value", "Rounds", "Target", "Hit"],
    goals.map((goal) => [
      goal.label,
      queryLabels[goal.query],
      x(goal.value),
      goal.rounds ? goal.rounds.map((value) => x(value)).join(", ") : "",
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
