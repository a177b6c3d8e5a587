import { inTransaction } from "@taruvi/db";
import { AppError, conflict, notFound } from "@taruvi/errors";
import { assertFreeSiteAllowance } from "@taruvi/limits";
import { assertSiteQuota } from "@taruvi/migrator";
import { parseUuid } from "@taruvi/validation";
import type { Pool, PoolClient } from "pg";
import { retentionCutoff } from "./purge";

export type RestoreSiteOptions = {
  retentionDays: number;
  /** The organization's plan limit on live sites (null or undefined: none). */
  maxSites?: number | null;
  /** What one account may have across the FREE organizations it owns (null or undefined: no limit). */
  maxFreeSitesPerAccount?: number | null;
  now?: Date;
  /** Runs inside the restore's transaction after the update (e.g. to record an audit event). */
  onRestored?: (
    client: PoolClient,
    site: { id: string; slug: string; organizationId: string },
  ) => Promise<void>;
};

/**
 * Brings a DELETED site back ACTIVE, whole (its schema was never touched), if its retention
 * period has not ended and the organization's plan (and its owners' allowance of FREE sites)
 * has room for it. The organization row is locked like createSite does, so a restore and a
 * create cannot both take the last place; a purge that got the site row first wins (the site
 * is gone: NOT_FOUND).
 */
export const restoreSite = async (
  pool: Pool,
  siteId: string,
  { retentionDays, maxSites, maxFreeSitesPerAccount, now = new Date(), onRestored }: RestoreSiteOptions,
): Promise<{ id: string; slug: string }> => {
  const id = parseUuid(siteId, "id");
  return inTransaction(pool, async (client) => {
    const found = await client.query<{ organization_id: string }>(
      "SELECT organization_id FROM platform.sites WHERE id = $1",
      [id],
    );
    const organizationId = found.rows[0]?.organization_id;
    if (!organizationId) throw notFound("site");
    if (maxSites !== undefined && maxSites !== null) await assertSiteQuota(client, organizationId, maxSites);
    if (maxFreeSitesPerAccount !== undefined && maxFreeSitesPerAccount !== null) {
      await assertFreeSiteAllowance(client, organizationId, maxFreeSitesPerAccount);
    }
    const { rows } = await client.query<{ slug: string; status: string; deleted_at: Date | null }>(
      "SELECT slug, status, deleted_at FROM platform.sites WHERE id = $1 FOR UPDATE",
      [id],
    );
    const site = rows[0];
    if (!site) throw notFound("site");
    if (site.status !== "DELETED") {
      throw conflict("status", `site ${site.slug} is ${site.status}; only a DELETED site can be restored`);
    }
    if (!site.deleted_at || site.deleted_at < retentionCutoff(retentionDays, now)) {
      throw conflict("status", `site ${site.slug} was deleted more than ${retentionDays} days ago`);
    }
    const updated = await client.query(
      `UPDATE platform.sites SET status = 'ACTIVE', deleted_at = NULL, suspended_at = NULL, updated_at = now()
        WHERE id = $1`,
      [id],
    );
    if (updated.rowCount !== 1) throw new AppError("INTERNAL_SERVER_ERROR", `restore of site ${id} failed`);
    await onRestored?.(client, { id, slug: site.slug, organizationId });
    return { id, slug: site.slug };
  });
};
