/** Milliseconds since `start` (a `process.hrtime.bigint()` reading). */
export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs `work` once and returns its result with the wall-clock time it took. */
export const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
  const start = process.hrtime.bigint();
  const result = await work();
  return { result, ms: elapsedMs(start) };
};

/** Nearest-rank percentile (`p` from 0 to 100) of the samples. */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) throw new Error("percentile of an empty sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export const mean = (samples: readonly number[]): number => {
  if (samples.length === 0) throw new Error("mean of an empty sample");
  return samples.reduce((sum, x) => sum + x, 0) / samples.length;
};

export type Summary = { n: number; min: number; p50: number; p95: number; max: number; mean: number };

export const summarize = (samples: readonly number[]): Summary => ({
  n: samples.length,
  min: round(Math.min(...samples)),
  p50: round(percentile(samples, 50)),
  p95: round(percentile(samples, 95)),
  max: round(Math.max(...samples)),
  mean: round(mean(samples)),
});

export const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const toMb = (bytes: number): number => bytes / (1024 * 1024);
