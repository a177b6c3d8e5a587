import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Variant } from "./servers";

export type ServerResult = {
  /** Medians over the rounds, in microseconds per request. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** CPU time (user + system) of the servers' process per request. */
  cpuUsPerRequest: number;
  rounds: { meanUs: number; p50Us: number; p99Us: number; cpuUsPerRequest: number; requests: number }[];
};

export type QueryResult = {
  name: string;
  what: string;
  servers: Record<Variant, ServerResult>;
  /** Medians of the per-round ratios to `none`. */
  ratios: { oursLatency: number; oursCpu: number; stockLatency: number; stockCpu: number };
  /** Each server's best round ÷ no rules' best round. */
  bestRoundRatios: { oursLatency: number; oursCpu: number; stockLatency: number; stockCpu: number };
  target: number;
  /** ours ÷ none within the target, by latency and by CPU per request. */
  hit: { latency: boolean; cpu: boolean };
};

const LABELS: Record<Variant, string> = { none: "no rules", ours: "our wiring", stock: "stock shield" };

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
};

const us = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(0)} µs`);
const times = (value: number) => `${value.toFixed(2)}×`;

/** Per query and server: latency, CPU per request, ratios to no rules; then the goal per query. */
export const formatReport = (results: QueryResult[]): string => {
  const rows = results.flatMap((r) =>
    (["none", "ours", "stock"] as const).map((variant) => {
      const s = r.servers[variant];
      const latency =
        variant === "ours" ? r.ratios.oursLatency : variant === "stock" ? r.ratios.stockLatency : 1;
      const cpu = variant === "ours" ? r.ratios.oursCpu : variant === "stock" ? r.ratios.stockCpu : 1;
      return [
        r.name,
        LABELS[variant],
        us(s.meanUs),
        us(s.p99Us),
        us(s.cpuUsPerRequest),
        times(latency),
        times(cpu),
      ];
    }),
  );
  const goals = results.map((r) => [
    r.name,
    `${times(r.ratios.oursLatency)} / ${times(r.ratios.oursCpu)}`,
    `${times(r.ratios.stockLatency)} / ${times(r.ratios.stockCpu)}`,
    `≤ ${times(r.target)}`,
    `${r.hit.latency ? "hit" : "MISS"} / ${r.hit.cpu ? "hit" : "MISS"}`,
  ]);
  return [
    table(["Query", "Server", "mean", "p99", "CPU / req", "mean ÷ none", "CPU ÷ none"], rows),
    "",
    table(
      ["Query", "ours ÷ none (mean / CPU)", "stock ÷ none (mean / CPU)", "Target", "Hit (mean / CPU)"],
      goals,
    ),
  ].join("\n");
};

/** Written to a temporary file first, so an interrupted run never leaves half a file. */
export const writeResults = (file: string, report: unknown): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
};
