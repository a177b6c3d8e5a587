import { createPool } from "@taruvi/db";
import { isDependencyUnavailable } from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import PgBoss from "pg-boss";
import { EMAIL_QUEUE } from "./email";

/** pg-boss keeps its tables in this schema, next to `platform` and the site schemas. */
export const JOBS_SCHEMA = "pgboss";

/** How failed sends are retried: `limit` more tries, `delaySeconds` apart (doubling with backoff). */
export type RetryPolicy = { limit: number; delaySeconds: number; backoff: boolean };

/** Retries after 15–30 s, doubling each time (up to 4–8 min for the fifth); then the job fails. */
export const DEFAULT_EMAIL_RETRY: RetryPolicy = { limit: 5, delaySeconds: 15, backoff: true };

/** What pg-boss runs its SQL through when it opens no pool of its own (`Pool#query` fits). */
export type Queryable = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

export type BossOptions = {
  /** pg-boss opens its own pool on this database, unless `pool` is given. */
  databaseUrl?: string;
  /** The process's pool: pg-boss then opens no connection of its own (`poolSize` is ignored). */
  pool?: Queryable;
  schema?: string;
  /** Connections pg-boss opens itself (sends without `db`, fetching, maintenance). */
  poolSize?: number;
  /** Maintenance (expiry, archiving, retention): one worker does it, senders don't. */
  supervise?: boolean;
  /** Turns cron schedules into jobs (`boss.schedule`); only processes that run schedules. */
  schedule?: boolean;
  logger?: Logger;
  applicationName: string;
  /**
   * Install or upgrade pg-boss's schema (DDL). Only the migrate step does (`installJobQueue` in
   * @taruvi/migrator, as the owner role); every app starts with false and refuses a missing or
   * older schema.
   */
  migrate?: boolean;
};

/**
 * pg-boss's SQL through `pool`, noting when the database goes away and when it answers again.
 * pg-boss recovers by itself (each worker polls again, a new connection replaces a broken one);
 * without this, every poll of every queue would log an error for as long as the database is down.
 */
const outageAwareSql = (pool: Queryable, logger: Logger | undefined, applicationName: string) => {
  let down = false;
  return {
    /** True while the last statement failed because the database was unavailable. */
    isDown: () => down,
    executeSql: async (text: string, values: unknown[]) => {
      try {
        const { rows } = await pool.query(text, values);
        if (down) {
          down = false;
          logger?.info({ applicationName }, "job queue: database available again");
        }
        return { rows: rows as Record<string, unknown>[] };
      } catch (error) {
        if (!down && isDependencyUnavailable(error)) {
          down = true;
          logger?.warn({ err: error, applicationName }, "job queue: database unavailable; retrying");
        }
        throw error;
      }
    },
  };
};

/**
 * A started pg-boss: its schema installed or migrated (under pg-boss's own advisory lock). Its
 * SQL goes through `options.pool`, or a pool of its own (ended when the boss stops) whose
 * connections give up opening after the pool's connect timeout, so a poll against a stopped or
 * hung server fails and is tried again rather than waiting forever for a connection. Statements
 * have no time limit there: maintenance may run long on big queues.
 */
export const startBoss = async (options: BossOptions): Promise<PgBoss> => {
  if (!options.pool && !options.databaseUrl)
    throw new Error("startBoss: a pool or a databaseUrl is required");
  const own = options.pool
    ? null
    : createPool({
        url: options.databaseUrl as string,
        max: options.poolSize ?? 2,
        applicationName: options.applicationName,
        // A connection dropping while idle is logged by the next statement that fails.
        onError: () => undefined,
      });
  const sql = outageAwareSql(own ?? (options.pool as Queryable), options.logger, options.applicationName);
  const boss = new PgBoss({
    db: { executeSql: sql.executeSql },
    schema: options.schema ?? JOBS_SCHEMA,
    migrate: options.migrate ?? false,
    supervise: options.supervise ?? false,
    schedule: options.schedule ?? false,
  });
  boss.on("error", (error) => {
    // An outage is logged once, when it starts (above); the failed polls that follow are not.
    if (isDependencyUnavailable(error) && sql.isDown()) return;
    options.logger?.error({ err: error }, "job queue error");
  });
  if (own) boss.once("stopped", () => void own.end().catch(() => undefined));
  try {
    await boss.start();
  } catch (error) {
    await own?.end().catch(() => undefined);
    if (
      error instanceof Error &&
      /pg-boss (is not installed|database requires migrations)/.test(error.message)
    ) {
      throw new Error(
        `the job queue's schema "${options.schema ?? JOBS_SCHEMA}" is missing or out of date (${error.message}): run \`taruvi migrate\``,
        { cause: error },
      );
    }
    throw error;
  }
  return boss;
};

/**
 * Creates the email queue when missing (idempotent). Its retry policy is copied onto each job
 * when it is enqueued; `update` (the worker) makes the queue carry `retry` from then on.
 */
export const ensureEmailQueue = async (
  boss: PgBoss,
  retry: RetryPolicy = DEFAULT_EMAIL_RETRY,
  { update = false } = {},
): Promise<void> => {
  const options = {
    retryLimit: retry.limit,
    retryDelay: retry.delaySeconds,
    retryBackoff: retry.backoff,
    expireInSeconds: 300,
  };
  await boss.createQueue(EMAIL_QUEUE, { name: EMAIL_QUEUE, ...options });
  if (update) await boss.updateQueue(EMAIL_QUEUE, { name: EMAIL_QUEUE, ...options });
};
