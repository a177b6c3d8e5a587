import { randomUUID } from "node:crypto";
import { inTransaction, isUniqueViolation } from "@taruvi/db";
import { AppError, conflict, notFound } from "@taruvi/errors";
import { assertFreeSiteAllowance } from "@taruvi/limits";
import { quoteSchema, schemaNameForSite } from "@taruvi/tenancy";
import { parseDisplayName, parseSlug, parseUuid } from "@taruvi/validation";
import type { Pool, PoolClient } from "pg";
import {
  CORE_SERVICE,
  ensureLedger,
  LOCK_CLASS,
  recordApplied,
  registerSiteCatalog,
  SITE_VERSIONS_TABLE,
} from "./ledger";
import type { MigrationSet } from "./migrations";

/**
 * Runs inside the provisioning transaction after the schema is built and before the site is
 * marked ACTIVE (e.g. to create the first site admin). If it throws, nothing is kept.
 */
export type SeedSite = (client: PoolClient, site: { id: string; schema: string }) => Promise<void>;

export type ProvisionedSite = {
  id: string;
  organizationId: string;
  slug: string;
  name: string;
  status: "PROVISIONING" | "ACTIVE" | "SUSPENDED" | "DELETED";
  schemaName: string;
  /** The core set's version (every service's: platform.site_schema_versions). */
  schemaVersion: string | null;
};

type SiteRecord = {
  id: string;
  organization_id: string;
  slug: string;
  name: string;
  status: ProvisionedSite["status"];
  schema_name: string;
  schema_version: string | null;
};

const SITE_COLUMNS = "id, organization_id, slug, name, status, schema_name, schema_version";

const toSite = (row: SiteRecord): ProvisionedSite => ({
  id: row.id,
  organizationId: row.organization_id,
  slug: row.slug,
  name: row.name,
  status: row.status,
  schemaName: row.schema_name,
  schemaVersion: row.schema_version,
});

/** Site catalog rows are registered once per process and migration set. */
const registered = new WeakSet<MigrationSet>();

/** A service's migrations failed while a site was provisioned; `service` names the set. */
export class ServiceMigrationError extends Error {
  readonly service: string;
  constructor(service: string, cause: unknown) {
    super(`service ${service}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ServiceMigrationError";
    this.service = service;
  }
}

/**
 * Builds a site's schema in the caller's transaction: CREATE SCHEMA, every service's site
 * migrations (the core's first, one batch per service), the ledger rows per service, the
 * site's version per service, the seed, then ACTIVE. PostgreSQL DDL is transactional, so a
 * failure or crash at any point leaves no schema behind and the site not ACTIVE.
 */
const buildSchema = async (
  client: PoolClient,
  site: SiteRecord,
  sets: readonly MigrationSet[],
  seed: SeedSite | undefined,
): Promise<SiteRecord> => {
  const schema = quoteSchema(site.schema_name);
  await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, site.schema_name]);
  await client.query(`CREATE SCHEMA ${schema}; SET LOCAL search_path TO ${schema}`);
  await ensureLedger(client, site.schema_name);
  const withMigrations = sets.filter((set) => set.migrations.length > 0);
  for (const set of withMigrations) {
    try {
      await client.query(set.migrations.map((m) => m.sql).join("\n"));
    } catch (error) {
      throw new ServiceMigrationError(set.service, error);
    }
  }
  await recordApplied(
    client,
    site.schema_name,
    withMigrations.flatMap((set) => set.migrations.map((m) => ({ ...m, service: set.service }))),
  );
  if (withMigrations.length > 0) {
    await client.query(
      `INSERT INTO platform.${SITE_VERSIONS_TABLE} (site_id, service, version)
       SELECT $1, service, version FROM unnest($2::text[], $3::text[]) AS v(service, version)
       ON CONFLICT (site_id, service) DO UPDATE SET version = EXCLUDED.version, error = NULL, updated_at = now()`,
      [site.id, withMigrations.map((set) => set.service), withMigrations.map((set) => set.head)],
    );
  }
  await seed?.(client, { id: site.id, schema: site.schema_name });
  const core = sets.find((set) => set.service === CORE_SERVICE);
  const { rows } = await client.query<SiteRecord>(
    `UPDATE platform.sites SET status = 'ACTIVE', schema_version = $2, migration_error = NULL
     WHERE id = $1 RETURNING ${SITE_COLUMNS}`,
    [site.id, core?.head ?? null],
  );
  return rows[0] as SiteRecord;
};

const afterCommit = async (pool: Pool, sets: readonly MigrationSet[]) => {
  for (const set of sets) {
    if (registered.has(set) || !set.head) continue;
    await registerSiteCatalog(pool, set, set.head);
    registered.add(set);
  }
};

export type CreateSiteInput = { organizationId: string; slug: string; name: string };

export type CreateSiteOptions = {
  /** Every service's site migrations, the core's first (loadTenantSets()). */
  sets: readonly MigrationSet[];
  seed?: SeedSite;
  /**
   * The organization's plan limit on sites that are not DELETED (undefined or null: no limit).
   * Checked with the organization row locked, so concurrent creates cannot overshoot it.
   */
  maxSites?: number | null;
  /**
   * What one account may have across the FREE organizations it owns (undefined or null: no
   * limit; pass none for a superuser caller). Checked for every owner, after `maxSites`.
   */
  maxFreeSitesPerAccount?: number | null;
};

/** Locks the organization row and refuses when it already has `maxSites` live sites. */
export const assertSiteQuota = async (client: PoolClient, organizationId: string, maxSites: number) => {
  const locked = await client.query<{ plan: string }>(
    "SELECT plan::text AS plan FROM platform.organizations WHERE id = $1 FOR UPDATE",
    [organizationId],
  );
  const plan = locked.rows[0]?.plan;
  if (!plan) throw notFound("organization");
  // A statement of its own: its snapshot is taken after the lock, so it sees the sites that
  // concurrent creates committed while we waited (one statement would count from before).
  const { rows } = await client.query<{ sites: number }>(
    "SELECT count(*)::int AS sites FROM platform.sites WHERE organization_id = $1 AND status <> 'DELETED'",
    [organizationId],
  );
  if ((rows[0]?.sites ?? 0) >= maxSites) {
    throw conflict(
      "plan",
      `the ${plan} plan allows ${maxSites} site${maxSites === 1 ? "" : "s"}; upgrade to add more`,
    );
  }
};

/**
 * Creates a site and its schema in one transaction: ACTIVE on return, or nothing at all.
 * Two concurrent creates of one slug: one wins, the other gets CONFLICT on `slug`. With
 * `maxSites`, a create beyond the plan's limit gets CONFLICT on `plan`; with
 * `maxFreeSitesPerAccount`, one beyond an owner's allowance of FREE sites too.
 */
export const createSite = async (
  pool: Pool,
  input: CreateSiteInput,
  { sets, seed, maxSites, maxFreeSitesPerAccount }: CreateSiteOptions,
): Promise<ProvisionedSite> => {
  const organizationId = parseUuid(input.organizationId, "organizationId");
  const slug = parseSlug(input.slug);
  const name = parseDisplayName(input.name);
  const id = randomUUID();
  const slugTaken = () => conflict("slug", `a site with slug "${slug}" already exists`);

  const limited = (maxSites ?? null) !== null || (maxFreeSitesPerAccount ?? null) !== null;
  const site = await inTransaction(pool, async (client) => {
    if (limited) {
      if (maxSites !== undefined && maxSites !== null) {
        await assertSiteQuota(client, organizationId, maxSites);
      }
      if (maxFreeSitesPerAccount !== undefined && maxFreeSitesPerAccount !== null) {
        await assertFreeSiteAllowance(client, organizationId, maxFreeSitesPerAccount);
      }
      // A create of the same slug that held the lock before us has committed by now.
      const taken = await client.query("SELECT 1 FROM platform.sites WHERE slug = $1", [slug]);
      if (taken.rowCount) throw slugTaken();
    } else {
      const org = await client.query("SELECT 1 FROM platform.organizations WHERE id = $1", [organizationId]);
      if (org.rowCount === 0) throw notFound("organization");
    }
    let inserted: SiteRecord;
    try {
      const { rows } = await client.query<SiteRecord>(
        `INSERT INTO platform.sites (id, organization_id, slug, name, schema_name, status)
         VALUES ($1, $2, $3, $4, $5, 'PROVISIONING') RETURNING ${SITE_COLUMNS}`,
        [id, organizationId, slug, name, schemaNameForSite(id)],
      );
      inserted = rows[0] as SiteRecord;
    } catch (error) {
      if (isUniqueViolation(error)) throw slugTaken();
      throw error;
    }
    return buildSchema(client, inserted, sets, seed);
  });
  await afterCommit(pool, sets);
  return toSite(site);
};

/**
 * Finishes a site left in PROVISIONING (created by an interrupted run). Idempotent: a site
 * that is already provisioned is returned as it is.
 */
export const provisionSite = async (
  pool: Pool,
  siteId: string,
  { sets, seed }: { sets: readonly MigrationSet[]; seed?: SeedSite },
): Promise<ProvisionedSite> => {
  const site = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<SiteRecord>(
      `SELECT ${SITE_COLUMNS} FROM platform.sites WHERE id = $1 FOR UPDATE`,
      [parseUuid(siteId, "siteId")],
    );
    const row = rows[0];
    if (!row) throw notFound("site");
    if (row.status !== "PROVISIONING") return row;
    if (row.schema_name !== schemaNameForSite(row.id)) {
      throw new AppError("INTERNAL_SERVER_ERROR", `site ${row.id} has an unexpected schema name`);
    }
    return buildSchema(client, row, sets, seed);
  });
  await afterCommit(pool, sets);
  return toSite(site);
};
