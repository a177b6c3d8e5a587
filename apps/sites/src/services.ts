import type { Pool } from "@taruvi/db";
import {
  createDomainChecker,
  createTenantChangeBus,
  DEFAULT_ACCOUNT_LIMITS,
  type DomainChecker,
  defaultMigrationsDirs,
  loadMigrations,
  type MigrationSet,
  type TenantChangeBus,
  type TenantClientCache,
} from "@taruvi/tenancy";

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
  /** The process's pool: provisioning and restores run their own transactions on it. */
  pool: Pool;
  /** The site migrations a new site's schema is built from. */
  tenantSet: MigrationSet;
  /** Live sites one account may have across the FREE organizations it owns (superusers: any number). */
  maxFreeSitesPerAccount: number;
};

export type SitesServiceOptions = {
  pool: Pool;
  redisUrl?: string | undefined;
  retentionDays?: number;
  baseDomain?: string;
  /** Default true; false (DOMAIN_VERIFICATION=off) verifies domains at once, development only. */
  domainVerification?: boolean;
  /** `ip[:port]` resolvers for the TXT lookups; default the system's. */
  dnsServers?: readonly string[];
  domainPendingDays?: number;
  tenantSet?: MigrationSet;
  maxFreeSitesPerAccount?: number;
};

export const createSitesServices = (
  options: SitesServiceOptions,
): SitesServices & { close: () => Promise<void> } => {
  const bus = createTenantChangeBus({ redisUrl: options.redisUrl });
  return {
    bus,
    retentionDays: options.retentionDays ?? 30,
    baseDomain: (options.baseDomain ?? "localhost").toLowerCase(),
    domainChecker: createDomainChecker({
      enabled: options.domainVerification ?? true,
      servers: options.dnsServers ?? [],
    }),
    domainPendingDays: options.domainPendingDays ?? 7,
    pool: options.pool,
    tenantSet: options.tenantSet ?? loadMigrations(defaultMigrationsDirs.tenant),
    maxFreeSitesPerAccount: options.maxFreeSitesPerAccount ?? DEFAULT_ACCOUNT_LIMITS.maxFreeSites,
    close: () => bus.close(),
  };
};

/** What a request sees: the services plus the process's tenant client cache (a site's schema). */
export type SitesRequestServices = SitesServices & { tenants: TenantClientCache };
