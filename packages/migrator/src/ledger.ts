import { quoteSchema } from "@taruvi/tenancy";
import type { Pool, PoolClient } from "pg";
import type { MigrationSet } from "./migrations";

/** Every schema (platform and each site) records what was applied to it here. */
export const LEDGER_TABLE = "_taruvi_migrations";

/**
 * In the platform schema: every site migration applied to at least one site, per service, with
 * its checksum. Lets a run refuse an edited site migration with one query, before touching any
 * site, even when every site is already at head and would be skipped.
 */
export const SITE_CATALOG_TABLE = "_taruvi_site_migrations";

/** Per (site, service): the newest migration applied and the last failure (platform migration). */
export const SITE_VERSIONS_TABLE = "site_schema_versions";

/** The core tenant set's ledger key; rows from before per-service ledgers are the core's. */
export const CORE_SERVICE = "core";

/** Advisory-lock class of the migrator (first key of pg_advisory_xact_lock(int, int)). */
export const LOCK_CLASS = 0x7461; // "ta"

export class MigrationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefusedError";
  }
}

export type LedgerRow = { name: string; checksum: string };

type TableState = { present: boolean; perService: boolean };

const tableState = async (client: Pool | PoolClient, table: string): Promise<TableState> => {
  const { rows } = await client.query<TableState>(
    `SELECT t.oid IS NOT NULL AS "present",
            EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = t.oid AND a.attname = 'service' AND NOT a.attisdropped) AS "perService"
     FROM (SELECT to_regclass($1) AS oid) t`,
    [table],
  );
  return rows[0] ?? { present: false, perService: false };
};

/**
 * Gives a table keyed by `name` a `service` column (existing rows become the core's) and the
 * primary key (service, name), in place. Idempotent; callers hold the migrator's lock.
 */
const upgradeToPerService = async (client: PoolClient | Pool, qualified: string, table: string) => {
  await client.query(
    `ALTER TABLE ${qualified}
       ADD COLUMN IF NOT EXISTS service text NOT NULL DEFAULT '${CORE_SERVICE}',
       DROP CONSTRAINT IF EXISTS "${table}_pkey",
       ADD CONSTRAINT "${table}_pkey" PRIMARY KEY (service, name)`,
  );
};

/**
 * Makes sure a schema's ledger exists. A site ledger (`perService`) is keyed (service, name);
 * one from before per-service ledgers is upgraded in place, its rows becoming the core's. The
 * platform ledger stays keyed by name. One catalog query when there is nothing to do.
 */
export const ensureLedger = async (
  client: PoolClient,
  schema: string,
  { perService = true }: { perService?: boolean } = {},
): Promise<void> => {
  const qualified = `${quoteSchema(schema)}."${LEDGER_TABLE}"`;
  const state = await tableState(client, qualified);
  if (!state.present) {
    await client.query(
      perService
        ? `CREATE TABLE ${qualified} (
             service text NOT NULL DEFAULT '${CORE_SERVICE}',
             name text NOT NULL,
             checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now(),
             CONSTRAINT "${LEDGER_TABLE}_pkey" PRIMARY KEY (service, name)
           )`
        : `CREATE TABLE ${qualified} (
             name text PRIMARY KEY,
             checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
           )`,
    );
  } else if (perService && !state.perService) {
    await upgradeToPerService(client, qualified, LEDGER_TABLE);
  }
};

/** The platform's catalog of site migrations, keyed (service, name); upgraded in place. */
export const ensureSiteCatalog = async (client: PoolClient): Promise<void> => {
  const qualified = `"platform"."${SITE_CATALOG_TABLE}"`;
  const state = await tableState(client, qualified);
  if (!state.present) {
    await client.query(
      `CREATE TABLE ${qualified} (
         service text NOT NULL DEFAULT '${CORE_SERVICE}',
         name text NOT NULL,
         checksum text NOT NULL,
         registered_at timestamptz NOT NULL DEFAULT now(),
         CONSTRAINT "${SITE_CATALOG_TABLE}_pkey" PRIMARY KEY (service, name)
       )`,
    );
  } else if (!state.perService) {
    await upgradeToPerService(client, qualified, SITE_CATALOG_TABLE);
  }
};

/** A schema's ledger rows: one service's for a site ledger, all of them for the platform's. */
export const readLedger = async (
  client: PoolClient,
  schema: string,
  service?: string,
): Promise<LedgerRow[]> =>
  service === undefined
    ? (await client.query<LedgerRow>(`SELECT name, checksum FROM ${quoteSchema(schema)}."${LEDGER_TABLE}"`))
        .rows
    : (
        await client.query<LedgerRow>(
          `SELECT name, checksum FROM ${quoteSchema(schema)}."${LEDGER_TABLE}" WHERE service = $1`,
          [service],
        )
      ).rows;

/** Records applied migrations: `service` for a site ledger, none for the platform's. */
export const recordApplied = async (
  client: PoolClient,
  schema: string,
  applied: { name: string; checksum: string; service?: string }[],
): Promise<void> => {
  if (applied.length === 0) return;
  const table = `${quoteSchema(schema)}."${LEDGER_TABLE}"`;
  if (applied.every((m) => m.service === undefined)) {
    await client.query(`INSERT INTO ${table} (name, checksum) SELECT * FROM unnest($1::text[], $2::text[])`, [
      applied.map((m) => m.name),
      applied.map((m) => m.checksum),
    ]);
    return;
  }
  await client.query(
    `INSERT INTO ${table} (service, name, checksum) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [
      applied.map((m) => m.service ?? CORE_SERVICE),
      applied.map((m) => m.name),
      applied.map((m) => m.checksum),
    ],
  );
};

/**
 * Refuses (throws) when what was applied no longer matches the files: an applied migration was
 * edited or removed, or a new one sorts before one already applied (it would be skipped).
 * Returns the migrations still to apply, in order.
 */
export const pendingMigrations = (applied: LedgerRow[], set: MigrationSet, where: string) => {
  const files = new Map(set.migrations.map((m) => [m.name, m]));
  let newestApplied = "";
  for (const row of applied) {
    const file = files.get(row.name);
    if (!file) {
      throw new MigrationRefusedError(
        `migration ${row.name} was applied to ${where} but is missing from ${set.dir}`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationRefusedError(
        `migration ${row.name} changed after it was applied to ${where} ` +
          `(checksum ${row.checksum.slice(0, 12)} applied, ${file.checksum.slice(0, 12)} on disk); ` +
          "restore the file and add a new migration instead",
      );
    }
    if (row.name > newestApplied) newestApplied = row.name;
  }
  const done = new Set(applied.map((row) => row.name));
  const pending = set.migrations.filter((m) => !done.has(m.name));
  const early = pending.find((m) => m.name < newestApplied);
  if (early) {
    throw new MigrationRefusedError(
      `migration ${early.name} sorts before ${newestApplied}, already applied to ${where}; ` +
        "give it a newer timestamp",
    );
  }
  return pending;
};

/** Where a set's refusal happened, naming the service unless it is the core. */
export const describeWhere = (where: string, set: MigrationSet): string =>
  set.service === CORE_SERVICE ? where : `${where} (service ${set.service})`;

/** Catalog rows by service (one query). */
export const readSiteCatalog = async (client: Pool | PoolClient): Promise<Map<string, LedgerRow[]>> => {
  const { rows } = await client.query<LedgerRow & { service: string }>(
    `SELECT service, name, checksum FROM "platform"."${SITE_CATALOG_TABLE}"`,
  );
  const byService = new Map<string, LedgerRow[]>();
  for (const row of rows) {
    const list = byService.get(row.service) ?? [];
    list.push({ name: row.name, checksum: row.checksum });
    byService.set(row.service, list);
  }
  return byService;
};

/**
 * Checks every service's site migrations on disk against the catalog of those applied anywhere
 * (one query), so an edited, removed or reordered file is refused before any site is touched.
 * Throws MigrationRefusedError.
 */
export const verifySiteCatalog = async (client: Pool | PoolClient, sets: readonly MigrationSet[]) => {
  const catalog = await readSiteCatalog(client);
  for (const set of sets) {
    pendingMigrations(catalog.get(set.service) ?? [], set, describeWhere("site schemas", set));
  }
};

/** Records a service's site migrations up to the newest version any site is at. */
export const registerSiteCatalog = async (client: Pool | PoolClient, set: MigrationSet, upTo: string) => {
  const known = set.migrations.filter((m) => m.name <= upTo);
  await client.query(
    `INSERT INTO "platform"."${SITE_CATALOG_TABLE}" (service, name, checksum)
     SELECT $1, name, checksum FROM unnest($2::text[], $3::text[]) AS m(name, checksum)
     ON CONFLICT (service, name) DO NOTHING`,
    [set.service, known.map((m) => m.name), known.map((m) => m.checksum)],
  );
};

/**
 * Records a (site, service) outcome: its new version (error cleared) or a failure (version
 * kept). The core's is mirrored on `sites.schema_version` / `sites.migration_error`.
 */
export const recordSiteVersion = async (
  client: Pool | PoolClient,
  siteId: string,
  service: string,
  outcome: { version: string | null } | { error: string },
): Promise<void> => {
  if ("error" in outcome) {
    await client.query(
      `INSERT INTO "platform"."${SITE_VERSIONS_TABLE}" (site_id, service, error) VALUES ($1, $2, $3)
       ON CONFLICT (site_id, service) DO UPDATE SET error = EXCLUDED.error, updated_at = now()`,
      [siteId, service, outcome.error],
    );
    if (service === CORE_SERVICE) {
      await client.query(`UPDATE "platform".sites SET migration_error = $2 WHERE id = $1`, [
        siteId,
        outcome.error,
      ]);
    }
    return;
  }
  await client.query(
    `INSERT INTO "platform"."${SITE_VERSIONS_TABLE}" (site_id, service, version) VALUES ($1, $2, $3)
     ON CONFLICT (site_id, service) DO UPDATE SET version = EXCLUDED.version, error = NULL, updated_at = now()`,
    [siteId, service, outcome.version],
  );
  if (service === CORE_SERVICE) {
    await client.query(
      `UPDATE "platform".sites SET schema_version = $2, migration_error = NULL WHERE id = $1`,
      [siteId, outcome.version],
    );
  }
};
