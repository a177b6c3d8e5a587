import type { Logger } from "@taruvi/logging";
import { DEFAULT_EMAIL_RETRY, ensureEmailQueue, type RetryPolicy, startBoss } from "./boss";
import { EMAIL_QUEUE, toEmailJob } from "./email";
import { createMailer } from "./mailer";

export type EmailWorkerOptions = {
  databaseUrl: string;
  /** SMTP server URL; unset: each message is written to `mailDir` as an .eml file. */
  smtpUrl?: string | undefined;
  mailDir: string;
  logger: Logger;
  /** The From header; default `Taruvi <no-reply@localhost>`. */
  from?: string;
  schema?: string;
  retry?: RetryPolicy;
  /** How often an idle worker looks for jobs; pg-boss allows 0.5 s at least. */
  pollingIntervalSeconds?: number;
};

export type EmailWorker = {
  /** Finishes the message in hand (up to 30 s), then stops; unfinished jobs are retried later. */
  close: () => Promise<void>;
};

/**
 * Delivers `email.send` jobs, one at a time. A failed send throws, so pg-boss retries the job
 * with the queue's policy (`retry`) and finally marks it failed. Also runs pg-boss maintenance.
 */
export const createEmailWorker = async (options: EmailWorkerOptions): Promise<EmailWorker> => {
  const { logger } = options;
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

  await boss.work(
    EMAIL_QUEUE,
    { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
    async (jobs) => {
      for (const job of jobs) {
        try {
          const sent = await mailer.send(toEmailJob(job.data), job.id);
          // Ids and where it went, never the message: it carries single-use tokens.
          logger.info({ jobId: job.id, messageId: sent.messageId, path: sent.path }, "email sent");
        } catch (error) {
          logger.warn({ jobId: job.id, err: error }, "email not sent; the job will be retried");
          throw error;
        }
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
