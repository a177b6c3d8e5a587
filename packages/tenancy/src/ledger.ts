import type { Pool, PoolClient } from "pg";
import type { MigrationSet } from "./migrations";
import { quoteSchema } from "./schema-name";

/** Every schema (platform and each site) records what was applied to it here. */
export const LEDGER_TABLE = "_taruvi_migrations";

/**
 * In the platform schema: every site migration applied to at least one site, with its
 * checksum. Lets a run refuse an edited site migration with one query, before touching any
 * site, even when every site is already at head and would be skipped.
 */
export const SITE_CATALOG_TABLE = "_taruvi_site_migrations";

/** Advisory-lock class of the migrator (first key of pg_advisory_xact_lock(int, int)). */
export const LOCK_CLASS = 0x7461; // "ta"

export class MigrationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefusedError";
  }
}

export type LedgerRow = { name: string; checksum: string };

export const ensureLedger = async (client: PoolClient, schema: string): Promise<void> => {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${quoteSchema(schema)}."${LEDGER_TABLE}" (
       name text PRIMARY KEY,
       checksum text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
};

export const readLedger = async (client: PoolClient, schema: string): Promise<LedgerRow[]> =>
  (await client.query<LedgerRow>(`SELECT name, checksum FROM ${quoteSchema(schema)}."${LEDGER_TABLE}"`)).rows;

export const recordApplied = async (
  client: PoolClient,
  schema: string,
  applied: { name: string; checksum: string }[],
): Promise<void> => {
  if (applied.length === 0) return;
  await client.query(
    `INSERT INTO ${quoteSchema(schema)}."${LEDGER_TABLE}" (name, checksum)
     SELECT * FROM unnest($1::text[], $2::text[])`,
    [applied.map((m) => m.name), applied.map((m) => m.checksum)],
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

/**
 * Checks the site migrations on disk against the catalog of those applied anywhere (one
 * query), so an edited file is refused before any site is touched. Throws MigrationRefusedError.
 */
export const verifySiteCatalog = async (client: Pool | PoolClient, set: MigrationSet): Promise<void> => {
  const { rows } = await client.query<{ name: string; checksum: string }>(
    `SELECT name, checksum FROM "platform"."${SITE_CATALOG_TABLE}"`,
  );
  pendingMigrations(rows, set, "site schemas");
};

/** Records every site migration up to the newest version any site is at. */
export const registerSiteCatalog = async (client: Pool | PoolClient, set: MigrationSet, upTo: string) => {
  const known = set.migrations.filter((m) => m.name <= upTo);
  await client.query(
    `INSERT INTO "platform"."${SITE_CATALOG_TABLE}" (name, checksum)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (name) DO NOTHING`,
    [known.map((m) => m.name), known.map((m) => m.checksum)],
  );
};
