import { inTransaction } from "@taruvi/db";
import { MIGRATOR_LOCK_CLASS } from "@taruvi/migrator";
import { quoteSchema } from "@taruvi/tenancy";
import type { Pool, PoolClient } from "pg";

const DAY_MS = 86_400_000;

export type PurgeOptions = {
  /** Days a deleted site stays restorable (SITE_RETENTION_DAYS). */
  retentionDays: number;
  /** The clock, for tests; default now. */
  now?: Date;
  /** Only report what would be purged. */
  dryRun?: boolean;
  /** Runs in each site's purge transaction after its schema and row are gone (e.g. to enqueue its `purged` event). */
  onPurged?: (client: PoolClient, site: PurgedSite) => Promise<void>;
};

export type PurgedSite = { id: string; slug: string; schema: string; hostnames: string[] };

export type PurgeReport = {
  /** Slugs of the sites whose schema was dropped (with dryRun: that would be). */
  purged: string[];
  sites: PurgedSite[];
  failed: { siteId: string; slug: string; error: string }[];
};

type Candidate = { id: string; slug: string; schema_name: string };

/** The moment before which a deletion is past retention. */
export const retentionCutoff = (retentionDays: number, now: Date = new Date()): Date =>
  new Date(now.getTime() - retentionDays * DAY_MS);

const purgeOne = (
  pool: Pool,
  site: Candidate,
  cutoff: Date,
  onPurged: PurgeOptions["onPurged"],
): Promise<PurgedSite | null> =>
  inTransaction(pool, async (client) => {
    const schema = quoteSchema(site.schema_name);
    // Serializes with a migrator (or provisioner) working on this schema.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [
      MIGRATOR_LOCK_CLASS,
      site.schema_name,
    ]);
    // Re-checked under the row lock: a restore that committed first wins.
    const { rows } = await client.query<{ hostnames: string[] }>(
      `SELECT coalesce(array(SELECT d.hostname FROM platform.domains d WHERE d.site_id = s.id), '{}') AS hostnames
         FROM platform.sites s
        WHERE s.id = $1 AND s.status = 'DELETED' AND s.deleted_at < $2
        FOR UPDATE OF s`,
      [site.id, cutoff],
    );
    const row = rows[0];
    if (!row) return null;
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    // Domains go with the row (ON DELETE CASCADE); the slug is free again.
    await client.query("DELETE FROM platform.sites WHERE id = $1", [site.id]);
    const purged = { id: site.id, slug: site.slug, schema: site.schema_name, hostnames: row.hostnames };
    await onPurged?.(client, purged);
    return purged;
  });

/**
 * Drops the schema and the row of every site DELETED longer than `retentionDays` ago. Each
 * site is purged in its own transaction under the migrator's advisory lock for its schema, so
 * one failure is reported and the others go on; re-running resumes.
 */
export const purgeDeletedSites = async (pool: Pool, options: PurgeOptions): Promise<PurgeReport> => {
  const cutoff = retentionCutoff(options.retentionDays, options.now);
  const { rows } = await pool.query<Candidate & { hostnames: string[] }>(
    `SELECT s.id, s.slug, s.schema_name,
            coalesce(array(SELECT d.hostname FROM platform.domains d WHERE d.site_id = s.id), '{}') AS hostnames
       FROM platform.sites s
      WHERE s.status = 'DELETED' AND s.deleted_at < $1
      ORDER BY s.deleted_at, s.id`,
    [cutoff],
  );
  const report: PurgeReport = { purged: [], sites: [], failed: [] };
  for (const site of rows) {
    if (options.dryRun) {
      report.sites.push({
        id: site.id,
        slug: site.slug,
        schema: site.schema_name,
        hostnames: site.hostnames,
      });
      continue;
    }
    try {
      const purged = await purgeOne(pool, site, cutoff, options.onPurged);
      if (purged) report.sites.push(purged);
    } catch (error) {
      report.failed.push({
        siteId: site.id,
        slug: site.slug,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  report.purged = report.sites.map((s) => s.slug);
  return report;
};
