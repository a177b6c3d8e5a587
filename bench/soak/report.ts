import type { Sample } from "./client";

export type MemorySeries = {
  name: string;
  rss: { at: number; bytes: number }[];
  /** From the heap probe; empty for a process that is not Node (Redis). */
  heap: { at: number; heapUsed: number; heapTotal: number; youngSpace: number; liveHeap: number | null }[];
};

export type WindowStats = {
  index: number;
  fromSeconds: number;
  toSeconds: number;
  requests: number;
  requestsPerSecond: number;
  rateLimited: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /**
   * Per process: RSS (mean, max), the heap in use after major collections (mean; what they could
   * not free, so a leak raises it; null without one in the window), heapUsed (mean) and the number
   * of major collections seen.
   */
  memory: Record<
    string,
    {
      rssMb: number | null;
      rssMaxMb: number | null;
      /** What V8's young generation held from the system (mean). */
      youngMb: number | null;
      /**
       * RSS less the young generation: what the flatness check compares. V8 grows and shrinks the
       * young generation with the allocation rate (4–32 MB here), which moves RSS with the
       * throughput of the window, not with what the process keeps.
       */
      rssLessYoungMb: number | null;
      liveHeapMb: number | null;
      heapUsedMb: number | null;
      majorGcs: number;
    }
  >;
};

export type Flatness = {
  process: string;
  metric: "rssLessYoungMb" | "liveHeapMb";
  second: number;
  last: number;
  ratio: number;
  limit: number;
  pass: boolean;
};

/** The last window may grow to this multiple of the second before the run fails. */
export const FLATNESS_LIMIT = 1.1;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending list. */
const percentile = (sorted: number[], p: number): number | null =>
  sorted.length === 0
    ? null
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null);

const mean = (values: number[]) =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

export const windowStats = ({
  samples,
  memory,
  startedAt,
  windowMs,
  windows,
}: {
  samples: Sample[];
  memory: MemorySeries[];
  startedAt: number;
  windowMs: number;
  windows: number;
}): WindowStats[] =>
  Array.from({ length: windows }, (_, index) => {
    const from = startedAt + index * windowMs;
    const to = from + windowMs;
    const inWindow = samples.filter((s) => s.at >= from && s.at < to);
    const latencies = inWindow.map((s) => s.ms).sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return {
      index: index + 1,
      fromSeconds: (index * windowMs) / 1000,
      toSeconds: ((index + 1) * windowMs) / 1000,
      requests: inWindow.length,
      requestsPerSecond: round(inWindow.length / (windowMs / 1000)),
      rateLimited: inWindow.filter((s) => s.outcome === "rateLimited").length,
      errors: inWindow.filter((s) => s.outcome !== "ok" && s.outcome !== "rateLimited").length,
      p50Ms: p50 === null ? null : round(p50),
      p99Ms: p99 === null ? null : round(p99),
      memory: Object.fromEntries(
        memory.map((series) => {
          const rss = series.rss.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes);
          const heap = series.heap.filter((s) => s.at >= from && s.at < to);
          const live = heap.flatMap((s) => (s.liveHeap === null ? [] : [s.liveHeap]));
          const rssMean = mean(rss);
          const liveMean = mean(live);
          const usedMean = mean(heap.map((s) => s.heapUsed));
          const youngMean = mean(heap.map((s) => s.youngSpace));
          return [
            series.name,
            {
              rssMb: rssMean === null ? null : mb(rssMean),
              rssMaxMb: rss.length ? mb(Math.max(...rss)) : null,
              youngMb: youngMean === null ? null : mb(youngMean),
              rssLessYoungMb: rssMean === null ? null : mb(rssMean - (youngMean ?? 0)),
              liveHeapMb: liveMean === null ? null : mb(liveMean),
              heapUsedMb: usedMean === null ? null : mb(usedMean),
              majorGcs: live.length,
            },
          ];
        }),
      ),
    };
  });

/**
 * The criterion: once caches are warm, the last window's memory is within 10 % of the
 * second's, per process, for RSS less the young generation and for the heap left after full
 * collections (means). Only growth fails: memory given back is
 * not a leak. Needs at least three windows (the first is the warm-up).
 */
export const flatness = (
  windows: WindowStats[],
  limits: Record<Flatness["metric"], number> = { rssLessYoungMb: FLATNESS_LIMIT, liveHeapMb: FLATNESS_LIMIT },
): Flatness[] => {
  if (windows.length < 3) return [];
  const second = windows[1] as WindowStats;
  const last = windows[windows.length - 1] as WindowStats;
  return Object.keys(second.memory).flatMap((name) =>
    (["rssLessYoungMb", "liveHeapMb"] as const).flatMap((metric) => {
      const a = second.memory[name]?.[metric];
      const b = last.memory[name]?.[metric];
      if (a == null || b == null || a === 0) return [];
      const ratio = round(b / a, 3);
      return [
        {
          process: name,
          metric,
          second: a,
          last: b,
          ratio,
          limit: limits[metric],
          pass: ratio <= limits[metric],
        },
      ];
    }),
  );
};

/** Totals per operation and per outcome over the whole run. */
export const operationStats = (samples: Sample[]) => {
  const ops = [...new Set(samples.map((s) => s.op))].sort();
  return Object.fromEntries(
    ops.map((op) => {
      const mine = samples.filter((s) => s.op === op);
      const latencies = mine.map((s) => s.ms).sort((a, b) => a - b);
      const outcomes: Record<string, number> = {};
      for (const s of mine) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
      return [
        op,
        {
          requests: mine.length,
          outcomes,
          p50Ms: round(percentile(latencies, 50) ?? 0),
          p99Ms: round(percentile(latencies, 99) ?? 0),
        },
      ];
    }),
  );
};

const table = (header: string[], rows: (string | number | null)[][]): string => {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === null ? "–" : String(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(cells[0] as string[]),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.slice(1).map(line),
  ].join("\n");
};

const windowLabel = (w: WindowStats) => `${w.fromSeconds}–${w.toSeconds} s`;

export const formatLatencyTable = (windows: WindowStats[]) =>
  table(
    ["window", "requests", "req/s", "p50 ms", "p99 ms", "429s", "errors"],
    windows.map((w) => [
      windowLabel(w),
      w.requests,
      w.requestsPerSecond,
      w.p50Ms,
      w.p99Ms,
      w.rateLimited,
      w.errors,
    ]),
  );

export const formatMemoryTable = (windows: WindowStats[], names: string[]) =>
  table(
    ["window", ...names.map((name) => `${name} RSS (young) / live heap MB`)],
    windows.map((w) => [
      windowLabel(w),
      ...names.map((name) => {
        const m = w.memory[name];
        return m?.rssMb == null
          ? null
          : m.youngMb == null
            ? `${m.rssMb}`
            : `${m.rssMb} (${m.youngMb}) / ${m.liveHeapMb ?? "–"}`;
      }),
    ]),
  );

export const formatOperationTable = (ops: ReturnType<typeof operationStats>) =>
  table(
    ["operation", "requests", "p50 ms", "p99 ms", "429s", "errors"],
    Object.entries(ops).map(([op, s]) => {
      const limited = s.outcomes.rateLimited ?? 0;
      return [op, s.requests, s.p50Ms, s.p99Ms, limited, s.requests - limited - (s.outcomes.ok ?? 0)];
    }),
  );

export const formatFlatnessTable = (checks: Flatness[]) =>
  table(
    ["process", "metric", "second window", "last window", "last ÷ second", "limit", "result"],
    checks.map((c) => [
      c.process,
      c.metric === "rssLessYoungMb" ? "RSS − young MB" : "live heap MB",
      c.second,
      c.last,
      c.ratio,
      `≤ ${c.limit}`,
      c.pass ? "pass" : "FAIL",
    ]),
  );
