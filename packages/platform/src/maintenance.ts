import type { PlatformClient } from "@taruvi/db";
import type { TenantChangeBus } from "@taruvi/tenancy";
import type { Pool } from "pg";
import { type DomainChecker, expireDomainClaims, recheckPendingDomains } from "./domains";
import { expireInvitations } from "./invitations";
import { type PurgeOptions, purgeDeletedSites } from "./purge";

/** The platform's scheduled clean-ups, as `createScheduledJobs` (@taruvi/jobs) takes them. */
export type MaintenanceJob = { name: string; cron: string; run: () => Promise<unknown> };

export const SITES_PURGE_JOB = "sites.purge";
export const INVITATIONS_EXPIRE_JOB = "invitations.expire";
export const DOMAINS_VERIFY_JOB = "domains.verify";

/**
 * `sites.purge` (hourly): drops the schema of every site deleted more than `retentionDays`
 * ago (calling `onPurged` in each site's purge transaction) and announces its addresses on
 * `bus` (when given). `invitations.expire` (hourly): deletes
 * invitations long past their expiry. `domains.verify` (every 10 minutes): looks up the TXT
 * record of PENDING custom domains through `domainChecker` and verifies those that have it, then
 * drops expired claims; both changes are announced on `bus`.
 */
export const maintenanceJobs = ({
  pool,
  ownerPool = pool,
  platform,
  retentionDays,
  domainChecker,
  bus,
  onPurged,
}: {
  pool: Pool;
  /** The owner role's pool (drops schemas: docs/decisions/0022-database-roles.md); default `pool`. */
  ownerPool?: Pool;
  platform: PlatformClient;
  retentionDays: number;
  domainChecker: DomainChecker;
  bus?: TenantChangeBus;
  /** E.g. enqueue the site's `purged` event for the services' hooks, in the purge transaction. */
  onPurged?: PurgeOptions["onPurged"];
}): MaintenanceJob[] => [
  {
    name: SITES_PURGE_JOB,
    cron: "0 * * * *",
    run: async () => {
      const report = await purgeDeletedSites(ownerPool, { retentionDays, ...(onPurged ? { onPurged } : {}) });
      for (const site of report.sites) {
        for (const key of [site.slug, ...site.hostnames]) await bus?.publish(key);
      }
      if (report.failed.length > 0) {
        throw new Error(`purge failed for ${report.failed.map((f) => `${f.slug}: ${f.error}`).join("; ")}`);
      }
      return { purged: report.purged };
    },
  },
  {
    name: INVITATIONS_EXPIRE_JOB,
    cron: "15 * * * *",
    run: async () => ({ deleted: await expireInvitations(platform) }),
  },
  {
    name: DOMAINS_VERIFY_JOB,
    cron: "*/10 * * * *",
    run: async () => {
      const report = await recheckPendingDomains(platform, domainChecker);
      const expired = await expireDomainClaims(platform);
      for (const hostname of [...report.verified, ...expired]) await bus?.publish(hostname);
      return { checked: report.checked, verified: report.verified, failed: report.failed, expired };
    },
  },
];
