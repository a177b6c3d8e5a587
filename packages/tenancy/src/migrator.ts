import { inTransaction } from "@taruvi/db";
import pLimit from "p-limit";
import type { Pool } from "pg";
import {
  ensureLedger,
  LOCK_CLASS,
  pendingMigrations,
  readLedger,
  recordApplied,
  registerSiteCatalog,
  SITE_CATALOG_TABLE,
  verifySiteCatalog,
} from "./ledger";
import type { MigrationSet } from "./migrations";
import { provisionSite } from "./provision";
import { quoteSchema } from "./schema-name";

export { MigrationRefusedError } from "./ledger";

const PLATFORM = "platform";

/** Settings a platform migration may read with `current_setting(name, true)`. */
export type PlatformMigrationSettings = {
  /** Days pre-existing custom domains keep routing while PENDING (20261202170000; default 14). */
  domainGraceDays?: number;
};

/**
 * Brings the platform schema to head in one transaction, under the migrator's lock, and makes
 * sure the site-migration catalog exists. Refuses (MigrationRefusedError) on edited files.
 * `settings` are set for the transaction only (`taruvi.<snake_name>`), for migrations to read.
 */
export const migratePlatform = async (
  pool: Pool,
  set: MigrationSet,
  settings: PlatformMigrationSettings = {},
): Promise<{ applied: string[] }> =>
  inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1, 0)", [LOCK_CLASS]);
    if (settings.domainGraceDays !== undefined) {
      await client.query("SELECT set_config('taruvi.domain_grace_days', $1, true)", [
        String(settings.domainGraceDays),
      ]);
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${PLATFORM}"`);
    await client.query(`SET LOCAL search_path TO "${PLATFORM}"`);
    await ensureLedger(client, PLATFORM);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${PLATFORM}"."${SITE_CATALOG_TABLE}" (
         name text PRIMARY KEY,
         checksum text NOT NULL,
         registered_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const pending = pendingMigrations(await readLedger(client, PLATFORM), set, "the platform schema");
    for (const migration of pending) await client.query(migration.sql);
    await recordApplied(client, PLATFORM, pending);
    return { applied: pending.map((m) => m.name) };
  });

export type SiteRow = {
  id: string;
  slug: string;
  schema_name: string;
  status: "PROVISIONING" | "ACTIVE" | "SUSPENDED" | "DELETED";
  schema_version: string | null;
};

export type SiteFailure = { siteId: string; slug: string; schema: string; error: string };

export type MigrateSitesReport = {
  head: string | null;
  total: number;
  /** Sites already at head: skipped without opening their schema. */
  upToDate: number;
  migrated: { siteId: string; slug: string; applied: string[] }[];
  /** Sites found in PROVISIONING (an interrupted create) and finished by this run. */
  provisioned: string[];
  failed: SiteFailure[];
};

export type MigrateSitesOptions = {
  set: MigrationSet;
  /** How many site transactions run at once; keep it below the pool size. */
  concurrency?: number;
  onSite?: (event: { siteId: string; slug: string; ok: boolean; error?: string }) => void;
};

const migrateOneSite = async (pool: Pool, site: SiteRow, set: MigrationSet): Promise<string[]> =>
  inTransaction(pool, async (client) => {
    const schema = quoteSchema(site.schema_name);
    // Serializes with any other migrator or provisioner working on this schema.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, site.schema_name]);
    await client.query(`SET LOCAL lock_timeout = '10s'; SET LOCAL search_path TO ${schema}`);
    await ensureLedger(client, site.schema_name);
    const pending = pendingMigrations(
      await readLedger(client, site.schema_name),
      set,
      `site ${site.slug} (${site.schema_name})`,
    );
    for (const migration of pending) await client.query(migration.sql);
    await recordApplied(client, site.schema_name, pending);
    await client.query(
      `UPDATE "${PLATFORM}".sites SET schema_version = $2, migration_error = NULL WHERE id = $1`,
      [site.id, set.head],
    );
    return pending.map((m) => m.name);
  });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Brings every site schema to head. One query finds the sites behind; each of those is
 * migrated in its own transaction under an advisory lock, `concurrency` at a time. A site that
 * fails is rolled back, its error recorded on the site and reported, and the others go on.
 * Re-running resumes where a run stopped. Sites left in PROVISIONING are provisioned.
 */
export const migrateSites = async (
  pool: Pool,
  { set, concurrency = 4, onSite }: MigrateSitesOptions,
): Promise<MigrateSitesReport> => {
  await verifySiteCatalog(pool, set);
  const { rows: sites } = await pool.query<SiteRow>(
    `SELECT id, slug, schema_name, status, schema_version FROM "${PLATFORM}".sites ORDER BY created_at, id`,
  );
  const report: MigrateSitesReport = {
    head: set.head,
    total: sites.length,
    upToDate: 0,
    migrated: [],
    provisioned: [],
    failed: [],
  };
  const limit = pLimit(Math.max(1, concurrency));
  const fail = async (site: SiteRow, error: unknown) => {
    const failure = { siteId: site.id, slug: site.slug, schema: site.schema_name, error: messageOf(error) };
    report.failed.push(failure);
    onSite?.({ siteId: site.id, slug: site.slug, ok: false, error: failure.error });
    await pool
      .query(`UPDATE "${PLATFORM}".sites SET migration_error = $2 WHERE id = $1`, [site.id, failure.error])
      .catch(() => undefined);
  };

  await Promise.all(
    sites.map((site) => {
      if (site.status === "PROVISIONING") {
        return limit(async () => {
          try {
            await provisionSite(pool, site.id, { set });
            report.provisioned.push(site.slug);
            onSite?.({ siteId: site.id, slug: site.slug, ok: true });
          } catch (error) {
            await fail(site, error);
          }
        });
      }
      if (site.schema_version === set.head) {
        report.upToDate += 1;
        return undefined;
      }
      return limit(async () => {
        try {
          const applied = await migrateOneSite(pool, site, set);
          // Another migrator got there first (we waited on its lock): nothing was left to do.
          if (applied.length === 0) report.upToDate += 1;
          else report.migrated.push({ siteId: site.id, slug: site.slug, applied });
          onSite?.({ siteId: site.id, slug: site.slug, ok: true });
        } catch (error) {
          await fail(site, error);
        }
      });
    }),
  );

  const { rows } = await pool.query<{ newest: string | null }>(
    `SELECT max(schema_version) AS newest FROM "${PLATFORM}".sites`,
  );
  const newest = rows[0]?.newest;
  if (newest) await registerSiteCatalog(pool, set, newest);
  return report;
};
