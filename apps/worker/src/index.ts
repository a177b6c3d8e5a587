// The worker: delivers the jobs that the subgraphs enqueue (email), with retries. No HTTP port.
import { join } from "node:path";
import { resolveDatabase } from "@taruvi/db";
import { createEmailWorker } from "@taruvi/jobs";
import { createLogger } from "@taruvi/logging";
import { env } from "./env";

const logger = createLogger({ name: "worker", level: env.LOG_LEVEL, pretty: env.NODE_ENV === "development" });
const database = await resolveDatabase({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.DATA_DIR,
  embeddedPort: env.EMBEDDED_POSTGRES_PORT,
  onLog: (message) => logger.debug({ postgres: message.trim() }, "embedded postgres"),
});
const mailDir = join(env.DATA_DIR, "mail");
const worker = await createEmailWorker({
  databaseUrl: database.url,
  smtpUrl: env.SMTP_URL,
  mailDir,
  from: env.MAIL_FROM,
  logger,
  retry: { limit: env.EMAIL_RETRY_LIMIT, delaySeconds: env.EMAIL_RETRY_DELAY_SECONDS, backoff: true },
});
logger.info({ mail: env.SMTP_URL ? "smtp" : mailDir }, "worker running");

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await worker.close();
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
