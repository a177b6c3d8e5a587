import type { SqlExecutor } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import { withTraceContext } from "@taruvi/telemetry";
import { ensureEmailQueue, startBoss } from "./boss";
import { EMAIL_QUEUE, type EmailJob, sealEmail } from "./email";
import { createSealer } from "./sealing";

export type JobQueue = {
  /** Enqueues the email; with `db`, inside that transaction (it is sent only if it commits). */
  sendEmail: (email: EmailJob, options?: { db?: SqlExecutor }) => Promise<void>;
  close: () => Promise<void>;
};

export type JobQueueOptions = {
  databaseUrl: string;
  /** pg-boss's schema; default `pgboss`. */
  schema?: string;
  logger?: Logger;
  /** EMAIL_ENCRYPTION_KEY: seals each email's body (the worker must hold the same key); default: the development key. */
  encryptionKey?: string;
};

/**
 * The sending side of the durable queue (pg-boss). Jobs go into PostgreSQL, in the caller's
 * transaction when it passes `db`, with the body sealed (`sealEmail`); the worker
 * (`createEmailWorker`) opens and delivers them.
 */
export const createJobQueue = async (options: JobQueueOptions): Promise<JobQueue> => {
  const sealer = createSealer(options.encryptionKey);
  const boss = await startBoss({ ...options, poolSize: 2, applicationName: "taruvi-jobs" });
  await ensureEmailQueue(boss);
  return {
    sendEmail: async (email, { db } = {}) => {
      // The worker continues the trace of the request that asked for the email.
      const data = withTraceContext(sealEmail(email, sealer));
      const id = await boss.send(
        EMAIL_QUEUE,
        data,
        db ? { db: { executeSql: (text, values) => db.query(text, values) } } : {},
      );
      // pg-boss inserts nothing (and returns null) when the queue is missing.
      if (!id) throw new AppError("INTERNAL_SERVER_ERROR", `queue ${EMAIL_QUEUE} refused the job`);
      options.logger?.debug({ jobId: id, queue: EMAIL_QUEUE }, "job enqueued");
    },
    close: () => boss.stop({ graceful: false }),
  };
};
