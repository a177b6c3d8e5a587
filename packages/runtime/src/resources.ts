import { createPool, type Pool, resolveDatabase } from "@taruvi/db";
import { createLogger, type Logger } from "@taruvi/logging";
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
};

/** The variables `openResources` reads; every deployable's env.ts has them (packages/config). */
export type ResourceEnv = {
  NODE_ENV: string;
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
 * embedded server in development), one pool
 * and the tenant-change bus. `close` releases them in reverse order.
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
  return {
    databaseUrl: database.url,
    pool,
    logger,
    bus,
    close: async () => {
      await bus.close();
      await pool.end();
      await database.stop();
    },
  };
};
