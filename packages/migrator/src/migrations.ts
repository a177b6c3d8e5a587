import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, tenantMigrationDirs } from "@taruvi/registry";

export type Migration = { name: string; sql: string; checksum: string };

export type MigrationSet = {
  /** Ledger key: "core" for prisma/tenant, else the service's registry name. */
  service: string;
  dir: string;
  migrations: Migration[];
  /** Name of the newest migration, or null when there are none. */
  head: string | null;
};

const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export const defaultMigrationsDirs = {
  platform: join(repoRoot, "prisma", "platform", "migrations"),
  tenant: join(repoRoot, "prisma", "tenant", "migrations"),
} as const;

const FOLDER = /^\d{14}_[a-z0-9_]+$/;

/**
 * Reads Prisma's folder format: `<dir>/<yyyymmddhhmmss>_<name>/migration.sql`, in name order.
 * The checksum is the SHA-256 of the file, so any edit after it was applied is detected.
 */
export const loadMigrations = (dir: string, service = "core"): MigrationSet => {
  const migrations = readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort()
    .map((name) => {
      if (!FOLDER.test(name)) {
        throw new Error(`migration folder ${name} in ${dir} is not named <yyyymmddhhmmss>_<snake_name>`);
      }
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
  return { service, dir, migrations, head: migrations.at(-1)?.name ?? null };
};

/** Thrown at load when the tenant sets break a rule every site schema relies on. */
export class TenantSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantSetError";
  }
}

/** The SQL without comments and string literals, so that neither can look like DDL. */
const code = (sql: string): string =>
  sql
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");

const IDENT = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
const CREATE_TABLE = new RegExp(
  String.raw`\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+|TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)`,
  "gi",
);
const unquote = (ident: string): string =>
  ident.startsWith('"') ? ident.slice(1, -1).replaceAll('""', '"') : ident.toLowerCase();

/** The tables a migration creates (`CREATE TABLE [IF NOT EXISTS] name`), as PostgreSQL names them. */
export const createdTables = (sql: string): string[] =>
  [...code(sql).matchAll(CREATE_TABLE)].map((match) =>
    (match[1] ?? "")
      .split(/\s*\.\s*/)
      .map(unquote)
      .join("."),
  );

/** Every table a set's migrations create, in order (a service's tables, for `service remove`). */
export const tablesOfSet = (set: MigrationSet): string[] => [
  ...new Set(set.migrations.flatMap((m) => createdTables(m.sql))),
];

/** Two services never create the same table: refused naming both services and the table. */
export const assertDistinctTables = (sets: readonly MigrationSet[]): void => {
  const owner = new Map<string, string>();
  for (const set of sets) {
    for (const table of tablesOfSet(set)) {
      const other = owner.get(table);
      if (other !== undefined && other !== set.service) {
        throw new TenantSetError(
          `services "${other}" and "${set.service}" both create table "${table}"; ` +
            `a site schema holds one table per name: rename it in ${set.dir}`,
        );
      }
      owner.set(table, set.service);
    }
  }
};

const QUALIFIED = new RegExp(
  String.raw`\b(?:REFERENCES|FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|TRUNCATE|FUNCTION|VIEW|SEQUENCE)\s+(?:ONLY\s+)?(${IDENT})\s*\.\s*${IDENT}`,
  "gi",
);
const OTHER_SCHEMA =
  /(?:\b(?:platform|public|pgboss)|"(?:platform|public|pgboss)"|\bsite_[0-9a-f]{32}|"site_[0-9a-f]{32}")\s*\./i;
const SEARCH_PATH = /\bsearch_path\b/i;

/**
 * A site schema is self-contained (Citus schema-based sharding moves it as a unit): a service's
 * SQL names no other schema (no `REFERENCES platform.x`, no schema-qualified table) and never
 * changes `search_path` (the migrator sets it to the site's schema). A guard over the SQL text,
 * not a parser: it refuses, naming the file, and the author rewrites the statement unqualified.
 */
export const assertSelfContained = (sets: readonly MigrationSet[]): void => {
  for (const set of sets) {
    for (const migration of set.migrations) {
      const text = code(migration.sql);
      const file = join(set.dir, migration.name, "migration.sql");
      const why = SEARCH_PATH.test(text)
        ? "changes search_path (the migrator sets it to the site's schema)"
        : OTHER_SCHEMA.test(text)
          ? `names another schema (${text.match(OTHER_SCHEMA)?.[0].trim()}…)`
          : [...text.matchAll(QUALIFIED)][0]
            ? `uses a schema-qualified name (${[...text.matchAll(QUALIFIED)][0]?.[0].trim()})`
            : null;
      if (why) {
        throw new TenantSetError(
          `service "${set.service}": ${file} ${why}; a site schema must be self-contained: ` +
            "use unqualified names of this service's own tables",
        );
      }
    }
  }
};

/**
 * The tenant migration sets of every registered service, the core's first: the one place
 * callers get them. `dirs` are relative to `root` (absolute ones are kept). Refuses
 * (TenantSetError) two services creating one table, or SQL reaching outside the site schema.
 */
export const loadTenantSets = (
  dirs: readonly { service: string; dir: string }[] = tenantMigrationDirs(),
  root: string = ROOT,
): MigrationSet[] => {
  const seen = new Set<string>();
  const sets = dirs.map(({ service, dir }) => {
    if (seen.has(service)) throw new TenantSetError(`service "${service}" is listed twice`);
    seen.add(service);
    return loadMigrations(isAbsolute(dir) ? dir : join(root, dir), service);
  });
  if (sets[0]?.service !== "core") throw new TenantSetError('the core set ("core") must come first');
  assertDistinctTables(sets);
  assertSelfContained(sets);
  return sets;
};
