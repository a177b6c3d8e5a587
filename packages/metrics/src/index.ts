export { timeRequest } from "./http";
export type { AppMetrics, ClientCacheStats, Metrics, PoolStats, QueueDepth } from "./metrics";
export { createMetrics } from "./metrics";
export type { Sample } from "./parse";
export { parsePrometheusText, sampleSum } from "./parse";
export type { MetricsServer } from "./server";
export { serveMetrics } from "./server";
