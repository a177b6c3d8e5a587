import { createPool, type Pool, resolveDatabase } from "@taruvi/db";
import { createLogger, type Logger } from "@taruvi/logging";
import { createMetrics, type Metrics, serveMetrics } from "@taruvi/metrics";
import { createTenantChangeBus, type TenantChangeBus } from "@taruvi/tenancy";

/**
 * What every deployable of one process shares: under `npm start` the stack opens these once and
 * hands them to each app's `start`; an app started alone opens its own (`openResources`).
 */
export type SharedResources = {
  /** The database every pool and job queue connects to (the embedded one in development). */
  databaseUrl: string;
  /** The process's one pool: every Prisma client and raw query goes through it. */
  pool: Pool;
  logger: Logger;
  /** Site changes (status, slug, domains) announced to every gateway's tenant cache. */
  bus: TenantChangeBus;
  /** The process's one registry, served at /metrics: each app takes its instruments with `forApp`. */
  metrics: Metrics;
};

/** The variables `openResources` reads; every deployable's env.ts has them (packages/config). */
export type ResourceEnv = {
  NODE_ENV: string;
  HOST: string;
  /** null: no metrics endpoint (METRICS_PORT=off). */
  METRICS_PORT: number | null;
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  EMBEDDED_POSTGRES_PORT: number;
  DB_POOL_SIZE: number;
  DB_CONNECT_TIMEOUT_MS: number;
  DB_STATEMENT_TIMEOUT_MS: number;
  LOG_LEVEL: string;
  REDIS_URL?: string | undefined;
};

/**
 * A deployable's own resources when it runs alone: its logger, the database (DATABASE_URL, or the
 * embedded server in development), one pool, the tenant-change bus and its metrics, served on
 * METRICS_PORT (the URL is logged). `close` releases them in reverse order.
 */
export const openResources = async (
  name: string,
  env: ResourceEnv,
): Promise<SharedResources & { close: () => Promise<void> }> => {
  // Production without DATABASE_URL never gets here: every env.ts refuses it at load.
  const logger = createLogger({ name, level: env.LOG_LEVEL, pretty: env.NODE_ENV === "development" });
  const database = await resolveDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    onLog: (message) => logger.debug({ postgres: message.trim() }, "embedded postgres"),
  });
  const pool = createPool({
    url: database.url,
    max: env.DB_POOL_SIZE,
    connectTimeoutMillis: env.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMillis: env.DB_STATEMENT_TIMEOUT_MS,
    applicationName: `taruvi-${name}`,
    onError: (error) => logger.warn({ err: error }, "idle connection error"),
  });
  const bus = createTenantChangeBus({ redisUrl: env.REDIS_URL, logger });
  const metrics = createMetrics(name);
  metrics.forApp(name).observePool(pool);
  const release = async () => {
    await bus.close();
    await pool.end();
    await database.stop();
  };
  // A taken METRICS_PORT fails the start, after releasing what was opened.
  const metricsServer = await startMetricsServer(metrics, env, logger).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  return {
    databaseUrl: database.url,
    pool,
    logger,
    bus,
    metrics,
    close: async () => {
      await metricsServer?.close();
      await release();
    },
  };
};

/** Serves `metrics` on HOST:METRICS_PORT and logs where, unless METRICS_PORT is off. */
export const startMetricsServer = async (
  metrics: Metrics,
  env: { HOST: string; METRICS_PORT: number | null },
  logger: Logger,
) => {
  if (env.METRICS_PORT === null) return null;
  const server = await serveMetrics(metrics.registry, env.METRICS_PORT, env.HOST);
  logger.info({ url: server.url }, `metrics at ${server.url}`);
  return server;
};
