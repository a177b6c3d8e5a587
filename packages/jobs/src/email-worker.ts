import type { Logger } from "@taruvi/logging";
import type { AppMetrics } from "@taruvi/metrics";
import { inJobSpan } from "@taruvi/telemetry";
import type PgBoss from "pg-boss";
import { DEFAULT_EMAIL_RETRY, ensureEmailQueue, JOBS_SCHEMA, type RetryPolicy, startBoss } from "./boss";
import { EMAIL_QUEUE, openEmail, type QueuedEmail } from "./email";
import { createMailer } from "./mailer";
import { createSealer } from "./sealing";

export type EmailWorkerOptions = {
  databaseUrl: string;
  /** SMTP server URL; unset: each message is written to `mailDir` as an .eml file. */
  smtpUrl?: string | undefined;
  mailDir: string;
  logger: Logger;
  /** Queue depth (read on scrape) and each job's outcome; none when not given. */
  metrics?: AppMetrics | undefined;
  /** The From header; default `Taruvi <no-reply@localhost>`. */
  from?: string;
  schema?: string;
  retry?: RetryPolicy;
  /** How often an idle worker looks for jobs; pg-boss allows 0.5 s at least. */
  pollingIntervalSeconds?: number;
  /** EMAIL_ENCRYPTION_KEY, as the senders have it: opens each email's body; default: the development key. */
  encryptionKey?: string;
};

export type EmailWorker = {
  /** Finishes the message in hand (up to 30 s), then stops; unfinished jobs are retried later. */
  close: () => Promise<void>;
};

/**
 * Delivers `email.send` jobs, one at a time: opens the sealed body, sends, then erases the body
 * from the job before pg-boss marks it completed, so no completed (or archived) job holds a link.
 * A failed send throws, so pg-boss retries the job with the queue's policy (`retry`); the last
 * failed try erases the body too, then the job is marked failed. Also runs pg-boss maintenance.
 */
export const createEmailWorker = async (options: EmailWorkerOptions): Promise<EmailWorker> => {
  const { logger } = options;
  const sealer = createSealer(options.encryptionKey);
  const schema = options.schema ?? JOBS_SCHEMA;
  const boss = await startBoss({
    ...options,
    poolSize: 3,
    supervise: true,
    applicationName: "taruvi-worker",
  });
  await ensureEmailQueue(boss, options.retry ?? DEFAULT_EMAIL_RETRY, { update: true });
  const mailer = createMailer({
    smtpUrl: options.smtpUrl,
    mailDir: options.mailDir,
    from: options.from ?? "Taruvi <no-reply@localhost>",
  });

  /** Keeps the recipient and subject of a job, drops its body (sealed, or in clear in an older job). */
  const eraseBody = (jobId: string) =>
    boss
      .getDb()
      .executeSql(
        `UPDATE ${schema}.job SET data = data - 'body' - 'text' - 'html' WHERE name = $1 AND id = $2::uuid`,
        [EMAIL_QUEUE, jobId],
      );

  /** One job, inside a span continuing the trace of the request that enqueued it. */
  const deliver = async (job: PgBoss.JobWithMetadata<QueuedEmail>, data: QueuedEmail) => {
    try {
      const email = openEmail(data, sealer);
      if (!email) {
        // Sent and erased before a crash lost the completion: sending again would need the body.
        logger.info({ jobId: job.id }, "email already sent");
        return;
      }
      const sent = await mailer.send(email, job.id);
      // If this fails the job is retried: the email may go out twice, but no completed job keeps a body.
      await eraseBody(job.id);
      // Ids and where it went, never the message: it carries single-use tokens.
      logger.info({ jobId: job.id, messageId: sent.messageId, path: sent.path }, "email sent");
      options.metrics?.jobFinished(EMAIL_QUEUE, "completed");
    } catch (error) {
      options.metrics?.jobFinished(EMAIL_QUEUE, "failed");
      const last = job.retryCount >= job.retryLimit;
      if (last) {
        await eraseBody(job.id).catch((eraseError: unknown) =>
          logger.error({ jobId: job.id, err: eraseError }, "the body of a failed email was not erased"),
        );
      }
      logger.warn(
        { jobId: job.id, err: error },
        last ? "email not sent; no tries left" : "email not sent; the job will be retried",
      );
      throw error;
    }
  };

  options.metrics?.observeQueue(EMAIL_QUEUE, () => boss.getQueueSize(EMAIL_QUEUE));
  await boss.work<QueuedEmail>(
    EMAIL_QUEUE,
    { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    async (jobs) => {
      for (const job of jobs) {
        await inJobSpan("worker", EMAIL_QUEUE, job.data, (data) => deliver(job, data as QueuedEmail));
      }
    },
  );
  logger.info({ queue: EMAIL_QUEUE, smtp: Boolean(options.smtpUrl) }, "email worker started");

  return {
    close: async () => {
      await boss.stop({ graceful: true, timeout: 30_000 });
      mailer.close();
    },
  };
};
