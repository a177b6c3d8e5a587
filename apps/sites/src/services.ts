import { createOwnerPool, type Pool } from "@taruvi/db";
import { createSiteEventPublisher, type SiteEventPublisher } from "@taruvi/jobs";
import { loadTenantSets, type MigrationSet } from "@taruvi/migrator";
import { createDomainChecker, type DomainChecker } from "@taruvi/platform";
import { connectRedis, type RedisClient } from "@taruvi/redis";
import { SERVICES } from "@taruvi/registry";
import type { ServiceResources } from "@taruvi/subgraph-kit";
import type { TenantChangeBus, TenantClientCache } from "@taruvi/tenancy";
import type { SitesEnv } from "./env";

/** The sites subgraph's long-lived collaborators, on every request's context. */
export type SitesServices = {
  /** Announces site changes so every gateway's tenant cache drops them at once. */
  bus: TenantChangeBus;
  /** Days a deleted site is kept (restorable) before its schema is dropped. */
  retentionDays: number;
  /** Sites answer at <slug>.<baseDomain>; custom domains may not be under it. */
  baseDomain: string;
  /** Looks up the TXT record proving a custom domain's ownership (or, when off, passes at once). */
  domainChecker: DomainChecker;
  /** Days a PENDING domain claim lives before the domains.verify job drops it. */
  domainPendingDays: number;
  /** The process's pool: restores run their own transactions on it. */
  pool: Pool;
  /**
   * The owner role's pool (MIGRATION_DATABASE_URL; else `pool`): the one connection that may
   * create a schema, so provisioning runs on it.
   */
  ownerPool: Pool;
  /** Every service's site migrations (the core's first) a new site's schema is built from. */
  tenantSets: readonly MigrationSet[];
  /** Live sites one account may have across the FREE organizations it owns (superusers: any number). */
  maxFreeSitesPerAccount: number;
  /** Enqueues a site's lifecycle event for every service with a hook for it, in the change's transaction. */
  siteEvents: SiteEventPublisher;
  /** The Redis systemStatus pings (REDIS_URL); null without one. */
  redis: RedisClient | null;
  /** Every registered subgraph's URL (SUBGRAPH_<NAME>_URL), for systemStatus. */
  subgraphUrls: Readonly<Record<string, string>>;
  close: () => Promise<void>;
};

/** The sites subgraph's collaborators from its environment and the process's resources. */
export const createSitesServices = async (
  env: SitesEnv,
  { pool, bus, tenants, logger }: Pick<ServiceResources, "pool" | "bus" | "tenants" | "logger">,
): Promise<SitesRequestServices> => {
  const siteEvents = await createSiteEventPublisher({ pool, logger });
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL, { name: "taruvi-sites-status", logger }) : null;
  const urls = env as unknown as Record<string, string>;
  // Small: one site is built per connection, in one transaction of a few tens of milliseconds.
  const ownerPool = createOwnerPool(pool, {
    url: env.MIGRATION_DATABASE_URL,
    production: env.NODE_ENV === "production",
    logger,
    max: 2,
    connectTimeoutMillis: env.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMillis: env.DB_STATEMENT_TIMEOUT_MS,
    applicationName: "taruvi-sites-owner",
    onError: (error) => logger.warn({ err: error }, "idle owner connection error"),
  });
  return {
    bus,
    retentionDays: env.SITE_RETENTION_DAYS,
    baseDomain: env.BASE_DOMAIN.toLowerCase(),
    domainChecker: createDomainChecker({ enabled: env.DOMAIN_VERIFICATION, servers: env.DNS_SERVERS }),
    domainPendingDays: env.DOMAIN_PENDING_DAYS,
    pool,
    ownerPool,
    tenantSets: loadTenantSets(),
    maxFreeSitesPerAccount: env.MAX_FREE_SITES_PER_ACCOUNT,
    // Platform-scope site-user management reaches a site's schema through the tenant clients.
    tenants,
    siteEvents,
    redis: redis?.client ?? null,
    subgraphUrls: Object.fromEntries(
      SERVICES.map((service) => [service.name, urls[service.urlVariable] ?? ""]),
    ),
    close: async () => {
      redis?.close();
      await siteEvents.close();
      if (ownerPool !== pool) await ownerPool.end();
    },
  };
};

/** What a request sees: the services plus the process's tenant client cache (a site's schema). */
export type SitesRequestServices = SitesServices & { tenants: TenantClientCache };
