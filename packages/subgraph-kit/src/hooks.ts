/**
 * A service's site lifecycle hooks and its jobs, run by its own process through pg-boss
 * (docs/decisions/0015-service-hooks-and-jobs.md): delivery is durable (the event is enqueued in
 * the transaction of the change), at least once, retried with backoff, never in the way of the
 * mutation that caused it. A hook must therefore be idempotent.
 */
import type { Pool } from "@taruvi/db";
import {
  type JobRun,
  type RetryPolicy,
  type ServiceWork,
  SITE_LIFECYCLE,
  type SiteEvent,
  type SiteLifecycle,
  startServiceWork,
} from "@taruvi/jobs";
import type { Logger } from "@taruvi/logging";
import type { AppMetrics } from "@taruvi/metrics";
import type { DisconnectableClient, TenantClientCache } from "@taruvi/tenancy";

export type { JobRun, SiteEvent, SiteLifecycle };

/** What every hook and job is given: the service's logger (with the job's ids), pool and services. */
export type WorkContext<Services> = {
  logger: Logger;
  pool: Pool;
  services: Services;
  /** pg-boss's id of this job and which try this is (`retryCount` 0 first). */
  run: JobRun;
};

/** A hook of a live site: also the service's own tenant client bound to that site's schema. */
export type HookContext<Services, Db> = WorkContext<Services> & { db: Db };

export type SiteHook<Ctx> = (event: SiteEvent, ctx: Ctx) => Promise<void>;

/**
 * What a service does when a site changes. `purged` runs after the site's schema was dropped (no
 * `db`): the place to delete what the service keeps outside it (e.g. stored objects).
 */
export type SiteHooks<Services, Db> = Partial<
  Record<Exclude<SiteLifecycle, "purged">, SiteHook<HookContext<Services, Db>>>
> & { purged?: SiteHook<WorkContext<Services>> };

/** A job's handler context: the tenant clients too, to reach any site it works on. */
export type JobContext<Services, Db> = WorkContext<Services> & {
  tenants: TenantClientCache<Db & DisconnectableClient>;
};

/** Background or scheduled work of a service, on its queue `<service>.<name>`. */
export type ServiceJob<Services, Db> = {
  /** Lower case, digits and hyphens (`reindex`, `clean-uploads`); `site-events` is taken. */
  name: string;
  /** Five-field cron (UTC); without it the job runs only when sent (`jobs.send`). */
  cron?: string;
  /** Retries after a throw (default 3), `retryDelaySeconds` apart (default 30), doubling unless `retryBackoff: false`. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A run still going after this long is failed, then retried (default 900). */
  expireInSeconds?: number;
  handler: (data: Record<string, unknown>, ctx: JobContext<Services, Db>) => Promise<void>;
};

/** How a failed hook is retried unless the definition says otherwise: 10 more tries, 30 s doubling. */
export const DEFAULT_HOOK_RETRY: RetryPolicy = { limit: 10, delaySeconds: 30, backoff: true };

const JOB_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const checkRetry = (service: string, what: string, limit?: number, delay?: number) => {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > 100)) {
    throw new Error(`${what} of service ${service}: retry limit must be an integer from 0 to 100`);
  }
  if (delay !== undefined && (!Number.isInteger(delay) || delay < 1 || delay > 86_400)) {
    throw new Error(`${what} of service ${service}: retry delay must be whole seconds from 1 to 86400`);
  }
};

/** Refuses unknown hook names, bad or repeated job names and retry settings, at definition. */
export const checkHooksAndJobs = (
  service: string,
  hooks: Record<string, unknown> | undefined,
  jobs: readonly { name: string; retryLimit?: number; retryDelaySeconds?: number }[] | undefined,
  hookRetry: Partial<RetryPolicy> | undefined,
): void => {
  for (const [event, hook] of Object.entries(hooks ?? {})) {
    if (!(SITE_LIFECYCLE as readonly string[]).includes(event)) {
      throw new Error(`hook "${event}" of service ${service}: must be one of ${SITE_LIFECYCLE.join(", ")}`);
    }
    if (typeof hook !== "function")
      throw new Error(`hook "${event}" of service ${service} is not a function`);
  }
  checkRetry(service, "hooks", hookRetry?.limit, hookRetry?.delaySeconds);
  const names = new Set<string>();
  for (const job of jobs ?? []) {
    if (!JOB_NAME.test(job.name) || job.name === "site-events") {
      throw new Error(
        `job "${job.name}" of service ${service}: must match ${JOB_NAME} and not be site-events`,
      );
    }
    if (names.has(job.name)) throw new Error(`job "${job.name}" of service ${service} is defined twice`);
    names.add(job.name);
    checkRetry(service, `job ${job.name}`, job.retryLimit, job.retryDelaySeconds);
  }
};

export type ServiceJobs = Pick<ServiceWork, "send">;

/**
 * Starts a service's hooks and jobs on the process's pool; nothing (no pg-boss) when it has
 * neither. `services` is built after this starts (so that it can be given `send`): a hook or
 * job that is picked up sooner waits for it.
 */
export const startHooksAndJobs = async <Services, Db extends DisconnectableClient>({
  service,
  hooks,
  hookRetry,
  jobs,
  pool,
  logger,
  tenants,
  services,
  pollingIntervalSeconds,
  metrics,
}: {
  service: string;
  hooks: SiteHooks<Services, Db> | undefined;
  hookRetry: Partial<RetryPolicy> | undefined;
  jobs: readonly ServiceJob<Services, Db>[] | undefined;
  pool: Pool;
  logger: Logger;
  tenants: TenantClientCache<Db>;
  services: Promise<Services>;
  pollingIntervalSeconds: number;
  /** The service's instruments: its queues' depth and jobs' outcomes. */
  metrics?: AppMetrics | undefined;
}): Promise<ServiceWork | null> => {
  const events = SITE_LIFECYCLE.filter((event) => hooks?.[event]);
  if (events.length === 0 && (jobs ?? []).length === 0) return null;
  const context = async (run: JobRun, fields: Record<string, unknown>): Promise<WorkContext<Services>> => ({
    logger: logger.child({ jobId: run.id, try: run.retryCount + 1, ...fields }),
    pool,
    services: await services,
    run,
  });
  return startServiceWork({
    service,
    pool,
    logger,
    metrics,
    pollingIntervalSeconds,
    ...(events.length > 0 && hooks
      ? {
          siteEvents: {
            events,
            retry: { ...DEFAULT_HOOK_RETRY, ...hookRetry },
            handle: async (event, run) => {
              const base = await context(run, { hook: event.event, siteId: event.siteId });
              if (event.event === "purged") {
                await hooks.purged?.(event, base);
                return;
              }
              // The client's schema is derived from the immutable site id, not taken from the job.
              await hooks[event.event]?.(event, { ...base, db: tenants.forSite(event.siteId) });
            },
          },
        }
      : {}),
    queues: (jobs ?? []).map((job) => ({
      name: job.name,
      ...(job.cron ? { cron: job.cron } : {}),
      ...(job.expireInSeconds ? { expireInSeconds: job.expireInSeconds } : {}),
      retry: {
        limit: job.retryLimit ?? 3,
        delaySeconds: job.retryDelaySeconds ?? 30,
        backoff: job.retryBackoff ?? true,
      },
      handle: async (data, run) => job.handler(data, { ...(await context(run, { job: job.name })), tenants }),
    })),
  });
};
