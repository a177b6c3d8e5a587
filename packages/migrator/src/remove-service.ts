import { inTransaction } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import type { Pool } from "pg";
import {
  CORE_SERVICE,
  ensureLedger,
  LEDGER_TABLE,
  LOCK_CLASS,
  SITE_CATALOG_TABLE,
  SITE_VERSIONS_TABLE,
} from "./ledger";
import { type MigrationSet, TenantSetError, tablesOfSet } from "./migrations";

export type RemovedService = {
  service: string;
  /** The tables its migrations create, dropped from every site schema. */
  tables: string[];
  /** Site schemas it was removed from. */
  sites: number;
  failed: { siteId: string; slug: string; schema: string; error: string }[];
};

export type RemoveServiceOptions = {
  onSite?: (event: { siteId: string; slug: string; ok: boolean; error?: string }) => void;
};

const quoteTable = (table: string): string => `"${table.replaceAll('"', '""')}"`;

/**
 * Removes a product service's data from every site: in each site schema, in its own
 * transaction under the migrator's lock, drops the tables its migrations create and deletes its
 * ledger rows and its site_schema_versions row; then its rows of the site catalog (only when
 * every site succeeded, so a re-run finds what is left). Idempotent. Without CASCADE: a table
 * another service depends on makes that site fail, reported, and nothing of it is dropped.
 */
export const removeServiceTables = async (
  pool: Pool,
  set: MigrationSet,
  { onSite }: RemoveServiceOptions = {},
): Promise<RemovedService> => {
  if (set.service === CORE_SERVICE) {
    throw new TenantSetError('the core tenant set ("core") cannot be removed');
  }
  const tables = tablesOfSet(set);
  const qualified = tables.find((table) => table.includes("."));
  if (qualified)
    throw new TenantSetError(`service "${set.service}" creates a schema-qualified table ${qualified}`);
  const { rows: sites } = await pool.query<{ id: string; slug: string; schema_name: string }>(
    `SELECT s.id, s.slug, s.schema_name FROM platform.sites s
     JOIN pg_namespace n ON n.nspname = s.schema_name ORDER BY s.created_at, s.id`,
  );
  const report: RemovedService = { service: set.service, tables, sites: 0, failed: [] };
  for (const site of sites) {
    try {
      await inTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, site.schema_name]);
        await client.query("SET LOCAL lock_timeout = '10s'");
        const schema = quoteSchema(site.schema_name);
        if (tables.length > 0) {
          await client.query(
            `DROP TABLE IF EXISTS ${tables.map((table) => `${schema}.${quoteTable(table)}`).join(", ")}`,
          );
        }
        await ensureLedger(client, site.schema_name);
        await client.query(`DELETE FROM ${schema}."${LEDGER_TABLE}" WHERE service = $1`, [set.service]);
        await client.query(
          `DELETE FROM platform.${SITE_VERSIONS_TABLE} WHERE site_id = $1 AND service = $2`,
          [site.id, set.service],
        );
      });
      report.sites += 1;
      onSite?.({ siteId: site.id, slug: site.slug, ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failed.push({ siteId: site.id, slug: site.slug, schema: site.schema_name, error: message });
      onSite?.({ siteId: site.id, slug: site.slug, ok: false, error: message });
    }
  }
  if (report.failed.length === 0) {
    await pool.query(`DELETE FROM platform."${SITE_CATALOG_TABLE}" WHERE service = $1`, [set.service]);
  }
  return report;
};
