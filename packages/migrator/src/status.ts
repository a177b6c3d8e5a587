import type { Pool } from "pg";
import {
  CORE_SERVICE,
  describeWhere,
  LEDGER_TABLE,
  type LedgerRow,
  MigrationRefusedError,
  pendingMigrations,
  readSiteCatalog,
  SITE_CATALOG_TABLE,
  SITE_VERSIONS_TABLE,
} from "./ledger";
import type { MigrationSet } from "./migrations";

type State = "current" | "behind" | "failed" | "provisioning";

/** One service's set on one site. */
export type SiteSchemaStatus = {
  id: string;
  slug: string;
  status: string;
  schema: string;
  service: string;
  version: string | null;
  state: State;
  error: string | null;
};

/** One service's set across every site (provisioning sites are counted in `sites`). */
export type ServiceStatus = {
  service: string;
  head: string | null;
  current: number;
  behind: number;
  failed: number;
};

export type MigrationStatus = {
  ok: boolean;
  platform: { pending: string[]; refused: string | null };
  /** Per site: current when every service is, failed when any failed, else behind. */
  sites: {
    /** The core set's head. */
    head: string | null;
    total: number;
    current: number;
    behind: number;
    failed: number;
    provisioning: number;
    /** An edited, removed or reordered site migration (`taruvi migrate` would refuse). */
    refused: string | null;
  };
  services: ServiceStatus[];
  /** Every (site, service) that is not current (all of them with `all`). */
  siteDetails: SiteSchemaStatus[];
};

type Row = {
  id: string;
  slug: string;
  status: string;
  schema_name: string;
  service: string;
  version: string | null;
  error: string | null;
};

const refusal = (check: () => void): string | null => {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof MigrationRefusedError) return error.message;
    throw error;
  }
};

/**
 * What `taruvi status` reports, per service; `ok` is false when any schema is behind, failed or
 * refused. `tenant` is every service's site migrations, the core's first (loadTenantSets()).
 */
export const migrationStatus = async (
  pool: Pool,
  {
    platform,
    tenant,
    all = false,
  }: { platform: MigrationSet; tenant: readonly MigrationSet[]; all?: boolean },
): Promise<MigrationStatus> => {
  const { rows: exists } = await pool.query<{
    ledger: string | null;
    sites: string | null;
    versions: string | null;
    catalog: boolean;
  }>(
    `SELECT to_regclass('platform."${LEDGER_TABLE}"')::text AS ledger,
            to_regclass('platform.sites')::text AS sites,
            to_regclass('platform.${SITE_VERSIONS_TABLE}')::text AS versions,
            EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = to_regclass('platform."${SITE_CATALOG_TABLE}"')
                      AND attname = 'service' AND NOT attisdropped) AS catalog`,
  );
  const found = exists[0];
  const applied = found?.ledger
    ? (await pool.query<LedgerRow>(`SELECT name, checksum FROM platform."${LEDGER_TABLE}"`)).rows
    : [];
  let pending: string[] = [];
  const refused = refusal(() => {
    pending = pendingMigrations(applied, platform, "the platform schema").map((m) => m.name);
  });
  const catalog = found?.catalog ? await readSiteCatalog(pool) : new Map<string, LedgerRow[]>();
  const sitesRefused = refusal(() => {
    for (const set of tenant) {
      pendingMigrations(catalog.get(set.service) ?? [], set, describeWhere("site schemas", set));
    }
  });

  // Before the platform migration that adds site_schema_versions, only the core's is known.
  const versions = found?.versions
    ? `LEFT JOIN platform.${SITE_VERSIONS_TABLE} v ON v.site_id = s.id AND v.service = t.service`
    : "LEFT JOIN (SELECT NULL::uuid AS site_id, NULL::text AS version, NULL::text AS error) v ON false";
  const rows = found?.sites
    ? (
        await pool.query<Row>(
          `SELECT s.id, s.slug, s.status, s.schema_name, t.service,
                  coalesce(v.version, CASE WHEN t.service = $2 THEN s.schema_version END) AS version,
                  coalesce(v.error, CASE WHEN t.service = $2 THEN s.migration_error END) AS error
           FROM platform.sites s
           CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS t(service, position)
           ${versions}
           ORDER BY s.slug, t.position`,
          [tenant.map((set) => set.service), CORE_SERVICE],
        )
      ).rows
    : [];
  const heads = new Map(tenant.map((set) => [set.service, set.head]));
  const details: SiteSchemaStatus[] = rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    status: row.status,
    schema: row.schema_name,
    service: row.service,
    version: row.version,
    error: row.error,
    state: row.error
      ? "failed"
      : row.status === "PROVISIONING"
        ? "provisioning"
        : row.version === (heads.get(row.service) ?? null)
          ? "current"
          : "behind",
  }));

  const perSite = new Map<string, State>();
  for (const detail of details) {
    const before = perSite.get(detail.id);
    const rank = { current: 0, behind: 1, failed: 2, provisioning: 3 } as const;
    if (!before || rank[detail.state] > rank[before]) perSite.set(detail.id, detail.state);
  }
  const count = (state: State) => [...perSite.values()].filter((s) => s === state).length;
  const sites = {
    head: tenant.find((set) => set.service === CORE_SERVICE)?.head ?? null,
    total: perSite.size,
    current: count("current"),
    behind: count("behind"),
    failed: count("failed"),
    provisioning: count("provisioning"),
    refused: sitesRefused,
  };
  const services = tenant.map((set) => {
    const mine = details.filter((d) => d.service === set.service);
    const n = (state: State) => mine.filter((d) => d.state === state).length;
    return {
      service: set.service,
      head: set.head,
      current: n("current"),
      behind: n("behind"),
      failed: n("failed"),
    };
  });
  return {
    ok: pending.length === 0 && refused === null && sitesRefused === null && sites.current === sites.total,
    platform: { pending, refused },
    sites,
    services,
    siteDetails: all ? details : details.filter((d) => d.state !== "current"),
  };
};
