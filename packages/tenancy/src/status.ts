import type { Pool } from "pg";
import { LEDGER_TABLE, type LedgerRow, MigrationRefusedError, pendingMigrations } from "./ledger";
import type { MigrationSet } from "./migrations";

export type SiteSchemaStatus = {
  id: string;
  slug: string;
  status: string;
  schema: string;
  version: string | null;
  state: "current" | "behind" | "failed" | "provisioning";
  error: string | null;
};

export type MigrationStatus = {
  ok: boolean;
  platform: { pending: string[]; refused: string | null };
  sites: {
    head: string | null;
    total: number;
    current: number;
    behind: number;
    failed: number;
    provisioning: number;
  };
  /** Every site that is not current (all sites with `all`). */
  siteDetails: SiteSchemaStatus[];
};

/** What `taruvi status` reports; `ok` is false when any schema is behind, failed or refused. */
export const migrationStatus = async (
  pool: Pool,
  { platform, tenant, all = false }: { platform: MigrationSet; tenant: MigrationSet; all?: boolean },
): Promise<MigrationStatus> => {
  const { rows: exists } = await pool.query<{ ledger: string | null; sites: string | null }>(
    `SELECT to_regclass('platform."${LEDGER_TABLE}"')::text AS ledger, to_regclass('platform.sites')::text AS sites`,
  );
  const hasLedger = Boolean(exists[0]?.ledger);
  const applied = hasLedger
    ? (await pool.query<LedgerRow>(`SELECT name, checksum FROM platform."${LEDGER_TABLE}"`)).rows
    : [];
  let pending: string[] = [];
  let refused: string | null = null;
  try {
    pending = pendingMigrations(applied, platform, "the platform schema").map((m) => m.name);
  } catch (error) {
    if (!(error instanceof MigrationRefusedError)) throw error;
    refused = error.message;
  }

  const rows = exists[0]?.sites
    ? (
        await pool.query<{
          id: string;
          slug: string;
          status: string;
          schema_name: string;
          schema_version: string | null;
          migration_error: string | null;
        }>(
          "SELECT id, slug, status, schema_name, schema_version, migration_error FROM platform.sites ORDER BY slug",
        )
      ).rows
    : [];
  const details: SiteSchemaStatus[] = rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    status: row.status,
    schema: row.schema_name,
    version: row.schema_version,
    error: row.migration_error,
    state: row.migration_error
      ? "failed"
      : row.status === "PROVISIONING"
        ? "provisioning"
        : row.schema_version === tenant.head
          ? "current"
          : "behind",
  }));
  const count = (state: SiteSchemaStatus["state"]) => details.filter((d) => d.state === state).length;
  const sites = {
    head: tenant.head,
    total: details.length,
    current: count("current"),
    behind: count("behind"),
    failed: count("failed"),
    provisioning: count("provisioning"),
  };
  return {
    ok: pending.length === 0 && refused === null && sites.current === sites.total,
    platform: { pending, refused },
    sites,
    siteDetails: all ? details : details.filter((d) => d.state !== "current"),
  };
};
