// The worker: delivers the jobs that the subgraphs enqueue (email), with retries, and runs the
// scheduled clean-ups (sites.purge, invitations.expire, domains.verify). No HTTP port.
import { join } from "node:path";
import { createPlatformClient, createPool, resolveDatabase } from "@taruvi/db";
import { createEmailWorker, createScheduledJobs } from "@taruvi/jobs";
import { createLogger } from "@taruvi/logging";
import { createDomainChecker, createTenantChangeBus, maintenanceJobs } from "@taruvi/tenancy";
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
  encryptionKey: env.EMAIL_ENCRYPTION_KEY,
  logger,
  retry: { limit: env.EMAIL_RETRY_LIMIT, delaySeconds: env.EMAIL_RETRY_DELAY_SECONDS, backoff: true },
});
const pool = createPool({
  url: database.url,
  max: 2,
  applicationName: "taruvi-worker",
  onError: (error) => logger.warn({ err: error }, "idle connection error"),
});
const platform = createPlatformClient(pool);
const bus = createTenantChangeBus({ redisUrl: env.REDIS_URL });
const scheduled = await createScheduledJobs({
  databaseUrl: database.url,
  logger,
  jobs: maintenanceJobs({
    pool,
    platform,
    retentionDays: env.SITE_RETENTION_DAYS,
    domainChecker: createDomainChecker({ enabled: env.DOMAIN_VERIFICATION, servers: env.DNS_SERVERS }),
    bus,
  }),
});
logger.info(
  { mail: env.SMTP_URL ? "smtp" : mailDir, siteRetentionDays: env.SITE_RETENTION_DAYS },
  "worker running",
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await worker.close();
  await scheduled.close();
  await bus.close();
  await platform.$disconnect();
  await pool.end();
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
