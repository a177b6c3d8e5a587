import pg from "pg";

export type Pool = pg.Pool;

export type PoolOptions = {
  url: string;
  /** Upper bound of connections this process opens, whatever the number of tenants. */
  max?: number;
  /**
   * Connections are closed after this many seconds and replaced on demand. PostgreSQL keeps a
   * per-connection cache of every relation a connection has touched; with thousands of site
   * schemas a long-lived connection would grow without bound.
   */
  maxLifetimeSeconds?: number;
  idleTimeoutMillis?: number;
  /** Opening a connection fails after this long (a database that does not answer). */
  connectTimeoutMillis?: number;
  /**
   * PostgreSQL cancels a statement that runs longer (0: no limit, for migrations); the client
   * also gives up a little later, for a server that answers nothing at all (hung, stopped).
   */
  statementTimeoutMillis?: number;
  applicationName?: string;
  /**
   * An idle connection failed (the server stopped or restarted). Called once per outage, for the
   * first of them, not once per connection: again only after a new connection was opened.
   */
  onError?: (error: Error) => void;
};

/** How much longer than PostgreSQL's statement timeout the client waits for any answer. */
const QUERY_TIMEOUT_GRACE_MS = 2_000;

/** The process's one pool; every platform and tenant-bound client shares it. */
export const createPool = ({
  url,
  max = 10,
  maxLifetimeSeconds = 300,
  idleTimeoutMillis = 10_000,
  connectTimeoutMillis = 5_000,
  statementTimeoutMillis = 0,
  applicationName = "taruvi",
  onError,
}: PoolOptions): Pool => {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    maxLifetimeSeconds,
    idleTimeoutMillis,
    connectionTimeoutMillis: connectTimeoutMillis,
    ...(statementTimeoutMillis > 0
      ? {
          statement_timeout: statementTimeoutMillis,
          query_timeout: statementTimeoutMillis + QUERY_TIMEOUT_GRACE_MS,
        }
      : {}),
    application_name: applicationName,
  });
  // An idle client's connection dropping (server restart) must not crash the process.
  let reported = false;
  pool.on("error", (error) => {
    if (reported) return;
    reported = true;
    onError?.(error);
  });
  pool.on("connect", () => {
    reported = false;
  });
  return pool;
};

/**
 * The owner role's pool (docs/decisions/0022-database-roles.md): a small pool of its own on
 * `url` (MIGRATION_DATABASE_URL), else the app's `pool`. The fallback keeps a single-role
 * database working, so it is no refusal; in production it is said once, when the app starts:
 * the app role also runs the DDL, and least privilege is not in force.
 */
export const createOwnerPool = (
  pool: Pool,
  {
    url,
    production,
    logger,
    ...options
  }: Omit<PoolOptions, "url"> & {
    url: string | undefined;
    production: boolean;
    logger: { warn: (fields: Record<string, unknown>, message: string) => void };
  },
): Pool => {
  if (url) return createPool({ url, ...options });
  if (production) {
    logger.warn(
      { variable: "MIGRATION_DATABASE_URL", decision: "docs/decisions/0022-database-roles.md" },
      "MIGRATION_DATABASE_URL is not set: the app role (DATABASE_URL) also runs DDL; least privilege is not in force",
    );
  }
  return pool;
};

export type PoolStats = { total: number; idle: number; waiting: number; max: number };

export const poolStats = (pool: Pool): PoolStats => ({
  total: pool.totalCount,
  idle: pool.idleCount,
  waiting: pool.waitingCount,
  max: pool.options.max ?? 10,
});
