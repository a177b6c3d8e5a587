import { inTransaction } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import pLimit from "p-limit";
import type { Pool } from "pg";
import {
  CORE_SERVICE,
  describeWhere,
  ensureLedger,
  ensureSiteCatalog,
  LOCK_CLASS,
  pendingMigrations,
  readLedger,
  recordApplied,
  recordSiteVersion,
  registerSiteCatalog,
  SITE_VERSIONS_TABLE,
  verifySiteCatalog,
} from "./ledger";
import type { MigrationSet } from "./migrations";
import { provisionSite, ServiceMigrationError } from "./provision";

export { MigrationRefusedError } from "./ledger";

const PLATFORM = "platform";

/** Settings a platform migration may read with `current_setting(name, true)`. */
export type PlatformMigrationSettings = {
  /** Days pre-existing custom domains keep routing while PENDING (20261202170000; default 14). */
  domainGraceDays?: number;
};

/**
 * Brings the platform schema to head in one transaction, under the migrator's lock, and makes
 * sure the site-migration catalog exists (keyed per service; upgraded in place). Refuses
 * (MigrationRefusedError) on edited files.
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
    await ensureLedger(client, PLATFORM, { perService: false });
    await ensureSiteCatalog(client);
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
  /** The services whose set is not at its head on this site, in registry order. */
  behind: string[];
};

export type SiteFailure = { siteId: string; slug: string; schema: string; service: string; error: string };

export type MigrateSitesReport = {
  /** The core set's head. */
  head: string | null;
  /** Every service's head. */
  heads: Record<string, string | null>;
  total: number;
  /** Sites already at head for every service: skipped without opening their schema. */
  upToDate: number;
  /** One entry per (site, service) that had migrations applied. */
  migrated: { siteId: string; slug: string; service: string; applied: string[] }[];
  /** Sites found in PROVISIONING (an interrupted create) and finished by this run. */
  provisioned: string[];
  /** One entry per (site, service) that failed (rolled back, recorded, the rest went on). */
  failed: SiteFailure[];
};

export type MigrateSitesOptions = {
  /** Every service's site migrations, the core's first (loadTenantSets()). */
  sets: readonly MigrationSet[];
  /** How many site transactions run at once; keep it below the pool size. */
  concurrency?: number;
  onSite?: (event: { siteId: string; slug: string; service?: string; ok: boolean; error?: string }) => void;
};

/** Brings one service's set to head on one site, in its own transaction under the schema's lock. */
const migrateOneService = async (pool: Pool, site: SiteRow, set: MigrationSet): Promise<string[]> =>
  inTransaction(pool, async (client) => {
    const schema = quoteSchema(site.schema_name);
    // Serializes with any other migrator or provisioner working on this schema.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, site.schema_name]);
    await client.query(`SET LOCAL lock_timeout = '10s'; SET LOCAL search_path TO ${schema}`);
    await ensureLedger(client, site.schema_name);
    const pending = pendingMigrations(
      await readLedger(client, site.schema_name, set.service),
      set,
      describeWhere(`site ${site.slug} (${site.schema_name})`, set),
    );
    for (const migration of pending) await client.query(migration.sql);
    await recordApplied(
      client,
      site.schema_name,
      pending.map((m) => ({ ...m, service: set.service })),
    );
    await recordSiteVersion(client, site.id, set.service, { version: set.head });
    return pending.map((m) => m.name);
  });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Brings every site schema to the head of every service's set. One query finds, per site, the
 * services behind (sites at head for all are skipped without opening their schema); each
 * (site, service) behind is migrated in its own transaction under the schema's advisory lock,
 * services in registry order, `concurrency` sites at a time. A (site, service) that fails is
 * rolled back, its error recorded (site_schema_versions.error) and reported, and every other
 * site and service goes on. Re-running resumes where a run stopped. Sites left in PROVISIONING
 * are provisioned with every set. Edited, removed or reordered files of any service are refused
 * before any site is touched.
 */
export const migrateSites = async (
  pool: Pool,
  { sets, concurrency = 4, onSite }: MigrateSitesOptions,
): Promise<MigrateSitesReport> => {
  await verifySiteCatalog(pool, sets);
  const withHead = sets.filter((set) => set.head !== null);
  const { rows: sites } = await pool.query<SiteRow>(
    `SELECT s.id, s.slug, s.schema_name, s.status,
            ARRAY(SELECT h.service
                  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS h(service, head, position)
                  WHERE NOT EXISTS (SELECT 1 FROM "${PLATFORM}".${SITE_VERSIONS_TABLE} v
                                    WHERE v.site_id = s.id AND v.service = h.service AND v.version = h.head)
                  ORDER BY h.position) AS behind
     FROM "${PLATFORM}".sites s ORDER BY s.created_at, s.id`,
    [withHead.map((set) => set.service), withHead.map((set) => set.head)],
  );
  const byService = new Map(sets.map((set) => [set.service, set]));
  const report: MigrateSitesReport = {
    head: sets.find((set) => set.service === CORE_SERVICE)?.head ?? null,
    heads: Object.fromEntries(sets.map((set) => [set.service, set.head])),
    total: sites.length,
    upToDate: 0,
    migrated: [],
    provisioned: [],
    failed: [],
  };
  const limit = pLimit(Math.max(1, concurrency));
  const fail = async (site: SiteRow, service: string, error: unknown) => {
    const failure = {
      siteId: site.id,
      slug: site.slug,
      schema: site.schema_name,
      service,
      error: messageOf(error),
    };
    report.failed.push(failure);
    onSite?.({ siteId: site.id, slug: site.slug, service, ok: false, error: failure.error });
    await recordSiteVersion(pool, site.id, service, { error: failure.error }).catch(() => undefined);
  };

  await Promise.all(
    sites.map((site) => {
      if (site.status === "PROVISIONING") {
        return limit(async () => {
          try {
            await provisionSite(pool, site.id, { sets });
            report.provisioned.push(site.slug);
            onSite?.({ siteId: site.id, slug: site.slug, ok: true });
          } catch (error) {
            await fail(site, error instanceof ServiceMigrationError ? error.service : CORE_SERVICE, error);
          }
        });
      }
      if (site.behind.length === 0) {
        report.upToDate += 1;
        return undefined;
      }
      return limit(async () => {
        let touched = 0;
        for (const service of site.behind) {
          const set = byService.get(service) as MigrationSet;
          try {
            const names = await migrateOneService(pool, site, set);
            // Another migrator got there first (we waited on its lock): nothing was left to do.
            if (names.length > 0) {
              touched += 1;
              report.migrated.push({ siteId: site.id, slug: site.slug, service, applied: names });
            }
            onSite?.({ siteId: site.id, slug: site.slug, service, ok: true });
          } catch (error) {
            touched += 1;
            await fail(site, service, error);
          }
        }
        if (touched === 0) report.upToDate += 1;
      });
    }),
  );

  const { rows } = await pool.query<{ service: string; newest: string | null }>(
    `SELECT service, max(version) AS newest FROM "${PLATFORM}".${SITE_VERSIONS_TABLE} GROUP BY service`,
  );
  for (const { service, newest } of rows) {
    const set = byService.get(service);
    if (set && newest) await registerSiteCatalog(pool, set, newest);
  }
  return report;
};
