import type { Pool } from "@taruvi/db";
import {
  createTenantChangeBus,
  DEFAULT_ACCOUNT_LIMITS,
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
  /** The process's pool: provisioning and restores run their own transactions on it. */
  pool: Pool;
  /** The site migrations a new site's schema is built from. */
  tenantSet: MigrationSet;
  /** Live sites one account may have across the FREE organizations it owns (superusers: any number). */
  maxFreeSitesPerAccount: number;
};

export const createSitesServices = (options: {
  pool: Pool;
  redisUrl?: string | undefined;
  retentionDays?: number;
  baseDomain?: string;
  tenantSet?: MigrationSet;
  maxFreeSitesPerAccount?: number;
}): SitesServices & { close: () => Promise<void> } => {
  const bus = createTenantChangeBus({ redisUrl: options.redisUrl });
  return {
    bus,
    retentionDays: options.retentionDays ?? 30,
    baseDomain: (options.baseDomain ?? "localhost").toLowerCase(),
    pool: options.pool,
    tenantSet: options.tenantSet ?? loadMigrations(defaultMigrationsDirs.tenant),
    maxFreeSitesPerAccount: options.maxFreeSitesPerAccount ?? DEFAULT_ACCOUNT_LIMITS.maxFreeSites,
    close: () => bus.close(),
  };
};

/** What a request sees: the services plus the process's tenant client cache (a site's schema). */
export type SitesRequestServices = SitesServices & { tenants: TenantClientCache };
