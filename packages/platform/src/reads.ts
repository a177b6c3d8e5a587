import { type platform, uuidIn } from "@taruvi/db";

/**
 * The hottest platform reads (a site by id, an organization's sites and their domains, an
 * organization and its members) through node-postgres, returning exactly the objects Prisma's
 * models are: the same field names, Date objects, enum values as strings, settings as parsed
 * JSON, nulls as null. Prisma's client spends more CPU per query than these small queries cost
 * PostgreSQL (bench/README.md, "Prisma against node-postgres"); writes stay with Prisma.
 *
 * Every column list is a constant built from the field maps below, checked against the Prisma
 * model types (a field added to a model fails the build until it is mapped); values are always
 * parameters. The platform schema is shared data: these reads need no tenant. They run through
 * a request's `ctx.sql.platform` (decision 0027; why lists too: decision 0028).
 */

/** Runs one SELECT in the platform schema, given its text with the schema's quoted name: `ctx.sql.platform`. */
export type PlatformSql = <Row>(text: (schema: string) => string, values?: unknown[]) => Promise<Row[]>;

type Columns<Model> = { readonly [Field in keyof Model]-?: string };

const SITE: Columns<platform.Site> = {
  id: "id",
  organizationId: "organization_id",
  slug: "slug",
  name: "name",
  status: "status",
  schemaName: "schema_name",
  schemaVersion: "schema_version",
  migrationError: "migration_error",
  settings: "settings",
  suspendedAt: "suspended_at",
  deletedAt: "deleted_at",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

const DOMAIN: Columns<platform.Domain> = {
  id: "id",
  siteId: "site_id",
  hostname: "hostname",
  isPrimary: "is_primary",
  status: "status",
  verificationToken: "verification_token",
  verifiedAt: "verified_at",
  expiresAt: "expires_at",
  graceUntil: "grace_until",
  checkedAt: "checked_at",
  createdAt: "created_at",
};

const ORGANIZATION: Columns<platform.Organization> = {
  id: "id",
  slug: "slug",
  name: "name",
  plan: "plan",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

const MEMBER: Columns<platform.OrganizationMember> = {
  id: "id",
  organizationId: "organization_id",
  accountId: "account_id",
  role: "role",
  createdAt: "created_at",
};

/** `t.created_at AS "<prefix>createdAt", …`: each column under its model field's name. */
const select = <Model>(columns: Columns<Model>, table: string, prefix = ""): string =>
  Object.entries<string>(columns)
    .map(([field, column]) => `${table}.${column} AS "${prefix}${field}"`)
    .join(", ");

/** The model object of a row selected with `select(columns, table, prefix)`. */
const fromPrefixed = <Model>(columns: Columns<Model>, row: Record<string, unknown>, prefix: string): Model =>
  Object.fromEntries(Object.keys(columns).map((field) => [field, row[`${prefix}${field}`]])) as Model;

const SITE_SELECT = select(SITE, "s");
const DOMAIN_SELECT = select(DOMAIN, "d");
const ORGANIZATION_SELECT = select(ORGANIZATION, "o");
const MEMBER_SELECT = select(MEMBER, "m");
/** A site's domain in the same row as the site: its columns under `domain.<field>`. */
const DOMAIN_PREFIX = "domain.";
const SITE_DOMAIN_SELECT = select(DOMAIN, "d", DOMAIN_PREFIX);

/** Sites by id, in any order (any status: callers decide who sees what). */
export const readSitesById = (sql: PlatformSql, ids: readonly string[]): Promise<platform.Site[]> => {
  const id = uuidIn("s.id", ids);
  return sql((schema) => `SELECT ${SITE_SELECT} FROM ${schema}.sites s WHERE ${id.where}`, [id.value]);
};

/** Domains by id, in any order. */
export const readDomainsById = (sql: PlatformSql, ids: readonly string[]): Promise<platform.Domain[]> => {
  const id = uuidIn("d.id", ids);
  return sql((schema) => `SELECT ${DOMAIN_SELECT} FROM ${schema}.domains d WHERE ${id.where}`, [id.value]);
};

/** The domains of these sites, the primary first, then by hostname. */
export const readDomainsBySite = (
  sql: PlatformSql,
  siteIds: readonly string[],
): Promise<platform.Domain[]> => {
  const site = uuidIn("d.site_id", siteIds);
  return sql(
    (schema) => `SELECT ${DOMAIN_SELECT} FROM ${schema}.domains d WHERE ${site.where}
      ORDER BY d.is_primary DESC, d.hostname`,
    [site.value],
  );
};

export type SiteWithDomains = { site: platform.Site; domains: platform.Domain[] };

/**
 * The live (not DELETED) sites of these organizations by slug, each with its domains (the primary
 * first, then by hostname), in one statement.
 */
export const readLiveSitesWithDomains = async (
  sql: PlatformSql,
  organizationIds: readonly string[],
): Promise<SiteWithDomains[]> => {
  const organization = uuidIn("s.organization_id", organizationIds);
  const rows = await sql<Record<string, unknown>>(
    (schema) => `SELECT ${SITE_SELECT}, ${SITE_DOMAIN_SELECT}
       FROM ${schema}.sites s LEFT JOIN ${schema}.domains d ON d.site_id = s.id
      WHERE ${organization.where} AND s.status <> 'DELETED'
      ORDER BY s.slug, d.is_primary DESC, d.hostname`,
    [organization.value],
  );
  const sites: SiteWithDomains[] = [];
  for (const row of rows) {
    let current = sites.at(-1);
    if (!current || current.site.id !== row.id) {
      current = { site: fromPrefixed(SITE, row, ""), domains: [] };
      sites.push(current);
    }
    if (row[`${DOMAIN_PREFIX}id`] !== null) current.domains.push(fromPrefixed(DOMAIN, row, DOMAIN_PREFIX));
  }
  return sites;
};

/** An organization by slug, or null. */
export const readOrganizationBySlug = async (
  sql: PlatformSql,
  slug: string,
): Promise<platform.Organization | null> =>
  (
    await sql<platform.Organization>(
      (schema) => `SELECT ${ORGANIZATION_SELECT} FROM ${schema}.organizations o WHERE o.slug = $1`,
      [slug],
    )
  )[0] ?? null;

/** Organizations by id, in any order. */
export const readOrganizationsById = (
  sql: PlatformSql,
  ids: readonly string[],
): Promise<platform.Organization[]> => {
  const id = uuidIn("o.id", ids);
  return sql(
    (schema) => `SELECT ${ORGANIZATION_SELECT} FROM ${schema}.organizations o WHERE ${id.where}`,
    [id.value],
  );
};

/** The members of these organizations, oldest membership first (then by id). */
export const readMembersByOrganization = (
  sql: PlatformSql,
  organizationIds: readonly string[],
): Promise<platform.OrganizationMember[]> => {
  const organization = uuidIn("m.organization_id", organizationIds);
  return sql(
    (schema) => `SELECT ${MEMBER_SELECT} FROM ${schema}.organization_members m
      WHERE ${organization.where} ORDER BY m.created_at, m.id`,
    [organization.value],
  );
};
