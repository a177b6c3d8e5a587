import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What a pool gauge reads on each scrape: node-postgres's `Pool` fits. */
export type PoolStats = {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { max?: number | undefined };
};

/** What the tenant-client gauge reads: packages/tenancy's `TenantClientCache` fits. */
export type ClientCacheStats = { readonly size: number; readonly evictions: number };

/** The jobs waiting in one queue, read on each scrape (pg-boss `getQueueSize`). */
export type QueueDepth = () => Promise<number>;

/** An app's instruments: every series they write carries `app` = the app's name. */
export type AppMetrics = {
  /** One HTTP request answered: `route` from the server's own fixed set, never the raw path. */
  httpRequest: (method: string, route: string, status: number, seconds: number) => void;
  /** One GraphQL operation: `operation` already reduced to a known name or `other`. */
  graphqlOperation: (operation: string, outcome: string) => void;
  subgraphFetch: (subgraph: string, outcome: "success" | "error", seconds: number) => void;
  rateLimitRejection: (reason: string) => void;
  authenticationFailure: (reason: string) => void;
  tenantLookup: (result: "hit" | "miss") => void;
  /** The app's database pool, read on scrape (the opener of a pool registers it, once). */
  observePool: (pool: PoolStats) => void;
  /** The app's tenant-client cache, read on scrape (a restarted app's replaces the old one). */
  observeClientCache: (cache: ClientCacheStats) => void;
  observeQueue: (queue: string, depth: QueueDepth) => void;
  jobFinished: (queue: string, outcome: "completed" | "failed") => void;
};

export type Metrics = {
  readonly registry: Registry;
  /** The instruments of one app (`gateway`, `identity`, …, `worker`; `stack` for what the process shares). */
  forApp: (app: string) => AppMetrics;
};

/** HTTP methods kept as they are; any other becomes `_OTHER` (OpenTelemetry's rule), bounding the label. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Latency buckets in seconds, OpenTelemetry's advice for `http.server.request.duration`. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * One Prometheus registry for the process with the default process metrics (labelled `app` =
 * `processApp`: the app's name when it runs alone, `stack` under `npm start`) and the platform's
 * instruments. Every instrument has an `app` label, so the apps of one process share one registry
 * and one endpoint while each series still names its app. Gauges of pools, caches and queues are
 * read when scraped, never polled. No label ever holds a site, a user or a client-chosen string.
 */
export const createMetrics = (processApp: string): Metrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, labels: { app: processApp } });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests (OpenTelemetry http.server.request.duration).",
    labelNames: ["app", "http_request_method", "http_route", "http_response_status_code"],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const operations = new Counter({
    name: "graphql_server_operations_total",
    help: "GraphQL operations answered, by operation name (known SDK operations, else `other`) and outcome (`success` or the first error's code).",
    labelNames: ["app", "graphql_operation_name", "outcome"],
    registers,
  });
  const subgraphFetches = new Histogram({
    name: "taruvi_gateway_subgraph_fetch_duration_seconds",
    help: "Duration of the gateway's fetches from each subgraph.",
    labelNames: ["app", "subgraph", "outcome"],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const rateLimited = new Counter({
    name: "taruvi_gateway_rate_limit_rejections_total",
    help: "Requests refused with 429 by the gateway's rate limits, by the limit that refused them.",
    labelNames: ["app", "reason"],
    registers,
  });
  const authFailures = new Counter({
    name: "taruvi_gateway_authentication_failures_total",
    help: "Credentials the gateway rejected (UNAUTHENTICATED), by reason.",
    labelNames: ["app", "reason"],
    registers,
  });
  const tenantLookups = new Counter({
    name: "taruvi_gateway_tenant_cache_lookups_total",
    help: "Tenant resolutions by the gateway's cache result (hit, or miss: a database lookup).",
    labelNames: ["app", "result"],
    registers,
  });
  const jobs = new Counter({
    name: "taruvi_jobs_total",
    help: "Jobs handled, by queue and outcome (completed, or failed: retried or given up).",
    labelNames: ["app", "queue", "outcome"],
    registers,
  });

  const pools = new Map<string, PoolStats>();
  const caches = new Map<string, ClientCacheStats>();
  const queues = new Map<string, Map<string, QueueDepth>>();
  new Gauge({
    name: "taruvi_db_pool_connections",
    help: "Database pool connections by state: total (open), idle, waiting (requests queued for one), max (the pool's size).",
    labelNames: ["app", "state"],
    registers,
    collect() {
      this.reset();
      for (const [app, pool] of pools) {
        this.set({ app, state: "total" }, pool.totalCount);
        this.set({ app, state: "idle" }, pool.idleCount);
        this.set({ app, state: "waiting" }, pool.waitingCount);
        this.set({ app, state: "max" }, pool.options.max ?? 10);
      }
    },
  });
  new Gauge({
    name: "taruvi_tenant_clients",
    help: "Tenant-bound database clients held in the client cache.",
    labelNames: ["app"],
    registers,
    collect() {
      this.reset();
      for (const [app, cache] of caches) this.set({ app }, cache.size);
    },
  });
  new Counter({
    name: "taruvi_tenant_client_evictions_total",
    help: "Tenant-bound database clients released because the client cache was full.",
    labelNames: ["app"],
    registers,
    collect() {
      // The cache counts its evictions; the counter reports that count when scraped.
      this.reset();
      for (const [app, cache] of caches) this.inc({ app }, cache.evictions);
    },
  });
  new Gauge({
    name: "taruvi_job_queue_depth",
    help: "Jobs waiting in each queue (created or retrying, not yet active).",
    labelNames: ["app", "queue"],
    registers,
    async collect() {
      this.reset();
      const reads = [...queues].flatMap(([app, byName]) =>
        [...byName].map(async ([queue, depth]) => {
          // A queue that cannot be read this time (database away) is left out, not reported as 0.
          const value = await depth().catch(() => null);
          if (value !== null) this.set({ app, queue }, value);
        }),
      );
      await Promise.all(reads);
    },
  });

  const forApp = (app: string): AppMetrics => ({
    httpRequest: (method, route, status, seconds) =>
      httpDuration.observe(
        {
          app,
          http_request_method: METHODS.has(method) ? method : "_OTHER",
          http_route: route,
          http_response_status_code: String(status),
        },
        seconds,
      ),
    graphqlOperation: (operation, outcome) =>
      operations.inc({ app, graphql_operation_name: operation, outcome }),
    subgraphFetch: (subgraph, outcome, seconds) =>
      subgraphFetches.observe({ app, subgraph, outcome }, seconds),
    rateLimitRejection: (reason) => rateLimited.inc({ app, reason }),
    authenticationFailure: (reason) => authFailures.inc({ app, reason }),
    tenantLookup: (result) => tenantLookups.inc({ app, result }),
    observePool: (pool) => void pools.set(app, pool),
    observeClientCache: (cache) => void caches.set(app, cache),
    observeQueue: (queue, depth) => {
      const byName = queues.get(app) ?? new Map<string, QueueDepth>();
      byName.set(queue, depth);
      queues.set(app, byName);
    },
    jobFinished: (queue, outcome) => jobs.inc({ app, queue, outcome }),
  });

  return { registry, forApp };
};
