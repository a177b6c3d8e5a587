import { join } from "node:path";
import { createOwnerPool, createPlatformClient } from "@taruvi/db";
import {
  createEmailWorker,
  createScheduledJobs,
  createSiteEventPublisher,
  type ScheduledJobs,
} from "@taruvi/jobs";
import { createDomainChecker, maintenanceJobs } from "@taruvi/platform";
import { openResources, type Running, type SharedResources } from "@taruvi/runtime";
import type { WorkerEnv } from "./env";

export type RunningWorker = Running & {
  /** Where emails land as .eml files when there is no SMTP_URL. */
  mailDir: string;
  /** The scheduled clean-ups; `runNow("sites.purge")` runs one at once (operators, tests). */
  scheduled: ScheduledJobs;
};

/**
 * Starts the worker: email delivery (SMTP, or .eml files under DATA_DIR/mail in development) with
 * retries, and the scheduled clean-ups (sites.purge, invitations.expire, domains.verify); a purge
 * enqueues each site's `purged` event for the services' hooks in its transaction. Alone it
 * opens its own pool, bus and metrics endpoint (METRICS_PORT); in the stack it shares them. It
 * serves no GraphQL.
 */
export const start = async (env: WorkerEnv, shared?: SharedResources): Promise<RunningWorker> => {
  const own = shared ? null : await openResources("worker", env);
  const { databaseUrl, pool, bus, logger: base, metrics: registry } = shared ?? (own as SharedResources);
  const metrics = registry.forApp("worker");
  const logger = shared ? base.child({ service: "worker" }) : base;
  const mailDir = join(env.DATA_DIR, "mail");
  const email = await createEmailWorker({
    databaseUrl,
    smtpUrl: env.SMTP_URL,
    mailDir,
    from: env.MAIL_FROM,
    encryptionKey: env.EMAIL_ENCRYPTION_KEY,
    logger,
    metrics,
    pollingIntervalSeconds: env.JOB_POLLING_INTERVAL_SECONDS,
    retry: { limit: env.EMAIL_RETRY_LIMIT, delaySeconds: env.EMAIL_RETRY_DELAY_SECONDS, backoff: true },
  });
  const platform = createPlatformClient(pool);
  // Only the purge drops schemas: it alone runs as the owner, one site at a time.
  const ownerPool = createOwnerPool(pool, {
    url: env.MIGRATION_DATABASE_URL,
    production: env.NODE_ENV === "production",
    logger,
    max: 1,
    connectTimeoutMillis: env.DB_CONNECT_TIMEOUT_MS,
    applicationName: "taruvi-worker-owner",
    onError: (error) => logger.warn({ err: error }, "idle owner connection error"),
  });
  const siteEvents = await createSiteEventPublisher({ pool, logger });
  const scheduled = await createScheduledJobs({
    databaseUrl,
    logger,
    metrics,
    pollingIntervalSeconds: env.JOB_POLLING_INTERVAL_SECONDS,
    jobs: maintenanceJobs({
      pool,
      ownerPool,
      platform,
      retentionDays: env.SITE_RETENTION_DAYS,
      domainChecker: createDomainChecker({ enabled: env.DOMAIN_VERIFICATION, servers: env.DNS_SERVERS }),
      bus,
      onPurged: async (client, site) => {
        await siteEvents.publish(client, { siteId: site.id, slug: site.slug, schema: site.schema }, "purged");
      },
    }),
  });
  logger.info(
    { mail: env.SMTP_URL ? "smtp" : mailDir, siteRetentionDays: env.SITE_RETENTION_DAYS },
    "worker running",
  );
  return {
    logger,
    mailDir,
    scheduled,
    close: async () => {
      // Both stop fetching at once and wait for the job in hand (up to pg-boss's 30 s; then it
      // is failed and retried): side by side, so the stop stays within SHUTDOWN_TIMEOUT_MS.
      await Promise.all([email.close(), scheduled.close()]);
      await siteEvents.close();
      await platform.$disconnect();
      if (ownerPool !== pool) await ownerPool.end();
      await own?.close();
    },
  };
};
