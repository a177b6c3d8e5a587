import type { SqlExecutor } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import { JOBS_SCHEMA, type Queryable, type RetryPolicy, startBoss } from "./boss";
import {
  SITE_LIFECYCLE,
  type SiteEvent,
  type SiteLifecycle,
  siteEventName,
  siteEventsQueue,
} from "./site-events";

/** What a handler learns of its job: pg-boss's id and which try this is (0 first). */
export type JobRun = { id: string; retryCount: number; retryLimit: number };

/** One queue a service works: `<service>.<name>`, fed by its cron schedule and by `send`. */
export type ServiceQueue = {
  name: string;
  /** Five-field cron (UTC): one job per tick across every replica. */
  cron?: string;
  retry: RetryPolicy;
  /** A job still running after this long is failed (and retried): default 15 min. */
  expireInSeconds?: number;
  handle: (data: Record<string, unknown>, run: JobRun) => Promise<void>;
};

export type ServiceWorkOptions = {
  /** The service's name: its queues are `<service>.<name>` and `<service>.site-events`. */
  service: string;
  /** The process's pool: the service's pg-boss opens no connection of its own. */
  pool: Queryable;
  logger: Logger;
  /** The events the service has hooks for, and what runs one; none: no site-events queue. */
  siteEvents?: {
    events: readonly SiteLifecycle[];
    retry: RetryPolicy;
    handle: (event: SiteEvent, run: JobRun) => Promise<void>;
  };
  queues: readonly ServiceQueue[];
  /** How often an idle queue is polled (pg-boss allows 0.5 s at least). */
  pollingIntervalSeconds: number;
  schema?: string;
};

export type ServiceWork = {
  /** Enqueues a job on one of the service's own queues; with `db`, inside that transaction. Its id. */
  send: (name: string, data?: Record<string, unknown>, options?: { db?: SqlExecutor }) => Promise<string>;
  /**
   * Stops polling, waits for running handlers up to 10 s, then fails the unfinished ones so they
   * are retried (well inside a subgraph's SHUTDOWN_TIMEOUT_MS); the pool stays open (it is the process's).
   */
  close: () => Promise<void>;
};

const queueOptions = (name: string, retry: RetryPolicy, expireInSeconds: number) => ({
  name,
  retryLimit: retry.limit,
  retryDelay: retry.delaySeconds,
  retryBackoff: retry.backoff,
  expireInSeconds,
});

/** How long a stopping service waits for its running hooks and jobs before handing them back. */
const SERVICE_WORK_STOP_MS = 10_000;

/**
 * Runs a service's own background work in its own process through pg-boss: its site-events
 * queue (subscribed to `site.<event>` for each hook it has, unsubscribed from the others, so a
 * removed hook stops receiving) and its job queues (created or updated with their retry
 * policy, cron schedules upserted). A handler that throws fails the job, which pg-boss retries
 * with the queue's policy; each failure is logged with the job's id and try.
 */
export const startServiceWork = async (options: ServiceWorkOptions): Promise<ServiceWork> => {
  const { service, logger } = options;
  const crons = options.queues.some((queue) => queue.cron);
  const boss = await startBoss({
    pool: options.pool,
    schema: options.schema ?? JOBS_SCHEMA,
    schedule: crons,
    logger,
    applicationName: `taruvi-${service}`,
  });
  const polling = {
    batchSize: 1,
    includeMetadata: true as const,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
  };

  const work = async (
    queue: string,
    retry: RetryPolicy,
    expireInSeconds: number,
    handle: (data: unknown, run: JobRun) => Promise<void>,
  ) => {
    const settings = queueOptions(queue, retry, expireInSeconds);
    await boss.createQueue(queue, settings);
    await boss.updateQueue(queue, settings);
    await boss.work<unknown>(queue, polling, async ([job]) => {
      if (!job) return;
      const run = { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit };
      const started = Date.now();
      try {
        await handle(job.data, run);
        logger.info({ queue, jobId: job.id, try: run.retryCount + 1, ms: Date.now() - started }, "job done");
      } catch (error) {
        const last = run.retryCount >= run.retryLimit;
        logger.error(
          { queue, jobId: job.id, try: run.retryCount + 1, err: error },
          last ? "job failed; no retry left" : "job failed; it will be retried",
        );
        throw error;
      }
    });
  };

  if (options.siteEvents) {
    const { events, retry, handle } = options.siteEvents;
    const queue = siteEventsQueue(service);
    await work(queue, retry, 900, (data, run) => handle(data as SiteEvent, run));
    for (const event of SITE_LIFECYCLE) {
      if (events.includes(event)) await boss.subscribe(siteEventName(event), queue);
      else await boss.unsubscribe(siteEventName(event), queue);
    }
  }
  const names = new Set<string>();
  for (const job of options.queues) {
    const queue = `${service}.${job.name}`;
    names.add(job.name);
    await work(queue, job.retry, job.expireInSeconds ?? 900, (data, run) =>
      job.handle((data ?? {}) as Record<string, unknown>, run),
    );
    if (job.cron) await boss.schedule(queue, job.cron, {}, { tz: "UTC" });
    else await boss.unschedule(queue);
  }
  logger.info(
    {
      hooks: options.siteEvents?.events ?? [],
      jobs: options.queues.map((job) => (job.cron ? `${job.name} (${job.cron})` : job.name)),
    },
    "service work started",
  );

  return {
    send: async (name, data = {}, { db } = {}) => {
      if (!names.has(name))
        throw new AppError("INTERNAL_SERVER_ERROR", `service ${service} has no job named ${name}`);
      const queue = `${service}.${name}`;
      const id = await boss.send(
        queue,
        data,
        db ? { db: { executeSql: (text: string, values: unknown[]) => db.query(text, values) } } : {},
      );
      if (!id) throw new AppError("INTERNAL_SERVER_ERROR", `queue ${queue} refused the job`);
      return id;
    },
    close: () => boss.stop({ graceful: true, timeout: SERVICE_WORK_STOP_MS, close: false }),
  };
};

/**
 * Removes what `startServiceWork` made for a service that is gone (`taruvi service remove`): its
 * site-event subscriptions, and its queues (`<service>.site-events`, `<service>.<job>`) with their
 * schedules and waiting jobs, so no site change is enqueued for it again. Idempotent; returns the
 * queues it deleted.
 */
export const removeServiceWork = async (
  pool: Queryable,
  service: string,
  schema: string = JOBS_SCHEMA,
): Promise<string[]> => {
  const boss = await startBoss({ pool, schema, applicationName: "taruvi-cli" });
  try {
    for (const event of SITE_LIFECYCLE)
      await boss.unsubscribe(siteEventName(event), siteEventsQueue(service));
    const queues = (await boss.getQueues())
      .map((queue) => queue.name)
      .filter((name) => name.startsWith(`${service}.`))
      .sort();
    for (const queue of queues) {
      await boss.unschedule(queue);
      // pg-boss 10 deletes the queue row before dropping its partition, which the partition's
      // jobs still reference: its jobs go first (every state; archived ones too).
      await pool.query(`DELETE FROM ${schema}.job WHERE name = $1`, [queue]);
      await pool.query(`DELETE FROM ${schema}.archive WHERE name = $1`, [queue]);
      await boss.deleteQueue(queue);
    }
    return queues;
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
};
