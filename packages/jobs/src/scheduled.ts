import type { Logger } from "@taruvi/logging";
import type { AppMetrics } from "@taruvi/metrics";
import { inJobSpan } from "@taruvi/telemetry";
import { startBoss } from "./boss";

/** A job that runs on a cron schedule (UTC), e.g. `{ name: "sites.purge", cron: "0 * * * *" }`. */
export type ScheduledJob = {
  /** The pg-boss queue; one job per tick, whatever the number of workers. */
  name: string;
  /** Five-field cron expression, evaluated in UTC. */
  cron: string;
  /** Does the work; a throw fails the job (the next tick tries again). Returns a loggable summary. */
  run: () => Promise<unknown>;
};

export type ScheduledJobsOptions = {
  databaseUrl: string;
  jobs: ScheduledJob[];
  logger: Logger;
  /** Queue depth (read on scrape) and each job's outcome; none when not given. */
  metrics?: AppMetrics | undefined;
  schema?: string;
  /** How often an idle worker looks for due jobs; default 5 s (pg-boss allows 0.5 s at least). */
  pollingIntervalSeconds?: number;
};

export type ScheduledJobs = {
  /** Enqueues one run of `name` now (operators, tests); its id. */
  runNow: (name: string) => Promise<string>;
  /** Waits for a running job (up to 30 s), then stops. */
  close: () => Promise<void>;
};

/**
 * Registers each job's cron schedule in pg-boss (an upsert, so restarts and replicas agree)
 * and works its queue one job at a time. pg-boss sends at most one job per schedule and
 * minute across all workers; a job that fails is not retried (the next tick runs it again).
 */
export const createScheduledJobs = async (options: ScheduledJobsOptions): Promise<ScheduledJobs> => {
  const { logger } = options;
  const boss = await startBoss({
    databaseUrl: options.databaseUrl,
    ...(options.schema ? { schema: options.schema } : {}),
    // Polling, the cron check and a rare job: one connection is plenty.
    poolSize: 1,
    schedule: true,
    logger,
    applicationName: "taruvi-scheduler",
  });
  const names = new Set<string>();
  for (const job of options.jobs) {
    names.add(job.name);
    const queue = { name: job.name, retryLimit: 0, expireInSeconds: 3600 };
    await boss.createQueue(job.name, queue);
    await boss.updateQueue(job.name, queue);
    await boss.schedule(job.name, job.cron, {}, { tz: "UTC" });
    options.metrics?.observeQueue(job.name, () => boss.getQueueSize(job.name));
    await boss.work(
      job.name,
      { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 5 },
      async ([pgJob]) => {
        const started = Date.now();
        try {
          // A trace of its own (nothing enqueued it), attributed to the worker, over its SQL.
          const result = await inJobSpan("worker", job.name, pgJob?.data, () => job.run());
          logger.info({ job: job.name, jobId: pgJob?.id, ms: Date.now() - started, result }, "job done");
          options.metrics?.jobFinished(job.name, "completed");
        } catch (error) {
          options.metrics?.jobFinished(job.name, "failed");
          logger.error({ job: job.name, jobId: pgJob?.id, err: error }, "job failed");
          throw error;
        }
      },
    );
  }
  logger.info({ jobs: options.jobs.map((j) => `${j.name} (${j.cron})`) }, "scheduled jobs started");
  return {
    runNow: async (name) => {
      if (!names.has(name)) throw new Error(`no scheduled job named ${name}`);
      const id = await boss.send(name, {});
      if (!id) throw new Error(`queue ${name} refused the job`);
      return id;
    },
    close: () => boss.stop({ graceful: true, timeout: 30_000 }),
  };
};
