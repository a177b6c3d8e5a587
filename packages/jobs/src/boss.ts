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
};

const queryRows = async (pool: Queryable, text: string, values: unknown[]) => {
  const { rows } = await pool.query(text, values);
  return { rows: rows as Record<string, unknown>[] };
};

/** A started pg-boss: its schema installed or migrated (under pg-boss's own advisory lock). */
export const startBoss = async (options: BossOptions): Promise<PgBoss> => {
  const boss = new PgBoss({
    ...(options.pool
      ? {
          db: {
            executeSql: (text: string, values: unknown[]) =>
              queryRows(options.pool as Queryable, text, values),
          },
        }
      : { connectionString: options.databaseUrl }),
    schema: options.schema ?? JOBS_SCHEMA,
    max: options.poolSize ?? 2,
    application_name: options.applicationName,
    migrate: true,
    supervise: options.supervise ?? false,
    schedule: options.schedule ?? false,
  });
  boss.on("error", (error) => options.logger?.error({ err: error }, "job queue error"));
  await boss.start();
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
