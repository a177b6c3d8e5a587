/**
 * Proves that the SQL migrations (prisma/<scope>/migrations, applied by the tenancy migrator)
 * build exactly the database that prisma/<scope>/schema.prisma describes, for the platform
 * schema and for a site schema. Both sides are turned into one normalized description, in
 * PostgreSQL's own words (format_type, pg_get_expr), and compared with toEqual, so a mismatch
 * prints as a readable diff: nothing may be missing and nothing may be extra.
 *
 * Expected side: Prisma's own parser (the DMMF of @prisma/prisma-schema-wasm) plus Prisma's
 * conventions for the SQL it generates (default constraint names, referential actions, types).
 * Actual side: pg_catalog, after the real migrations ran on an empty schema.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import { createSite, defaultMigrationsDirs, loadMigrations } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../src/index";

type TableDescription = {
  /** column -> `type[ NOT NULL][ DEFAULT expr]` */
  columns: Record<string, string>;
  /** `constraint_name (columns)` */
  primaryKey: string | null;
  /** index name -> `[UNIQUE ]method (columns)`; the primary key's index is left out */
  indexes: Record<string, string>;
  /** constraint name -> `(columns) REFERENCES table (columns) ON DELETE x ON UPDATE y` */
  foreignKeys: Record<string, string>;
  /** CHECK, EXCLUDE, UNIQUE constraints, constraint and user triggers: Prisma's SQL has none. */
  other: string[];
};
type SchemaDescription = { enums: Record<string, string[]>; tables: Record<string, TableDescription> };

// The subset of Prisma's DMMF (datamodel part) this test reads.
type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
};
type DmmfModel = { name: string; dbName: string | null; fields: DmmfField[] };
type DmmfEnum = { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] };
type DmmfIndex = {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
};
type Datamodel = { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };

/** The same description with the keys of every object in order (arrays keep theirs: enum order matters). */
const sortKeys = <T>(value: T): T =>
  value && typeof value === "object" && !Array.isArray(value)
    ? (Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, sortKeys(v)]),
      ) as T)
    : value;

/** As PostgreSQL's quote_ident prints a type name (reserved words aside: none are used). */
const quoteIdent = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name}"`);

const sqlLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

const emptyTable = (): TableDescription => ({
  columns: {},
  primaryKey: null,
  indexes: {},
  foreignKeys: {},
  other: [],
});

// ---- Expected: schema.prisma through Prisma's parser ---------------------------------------

const readDatamodel = (scope: "platform" | "tenant"): Datamodel => {
  const prismaSchema = readFileSync(join(dirname(defaultMigrationsDirs[scope]), "schema.prisma"), "utf8");
  return (JSON.parse(get_dmmf(JSON.stringify({ prismaSchema }))) as { datamodel: Datamodel }).datamodel;
};

/** Column types of Prisma's SQL, as format_type prints them. */
const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Boolean: "boolean",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};
const sized = (name: string, args: string[]) => (args.length > 0 ? `${name}(${args.join(",")})` : name);
const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Uuid: () => "uuid",
  Text: () => "text",
  VarChar: (args) => sized("character varying", args),
  Char: (args) => sized("character", args),
  Timestamptz: (args) => `${sized("timestamp", args)} with time zone`,
  Timestamp: (args) => `${sized("timestamp", args)} without time zone`,
  Date: () => "date",
  Integer: () => "integer",
  SmallInt: () => "smallint",
  BigInt: () => "bigint",
  Decimal: (args) => sized("numeric", args),
  DoublePrecision: () => "double precision",
  JsonB: () => "jsonb",
  Json: () => "json",
};

/** Cascade -> CASCADE, SetNull -> SET NULL, NoAction -> NO ACTION, ... */
const referentialAction = (action: string) => action.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();

const describePrismaSchema = (scope: "platform" | "tenant"): SchemaDescription => {
  const datamodel = readDatamodel(scope);
  const enumNames = new Map(datamodel.enums.map((e) => [e.name, quoteIdent(e.dbName ?? e.name)]));
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    if (!field) throw new Error(`${model.name} has no field ${fieldName}`);
    return field.dbName ?? field.name;
  };

  const typeOf = (field: DmmfField): string => {
    const [native, args] = field.nativeType ?? [];
    const base =
      field.kind === "enum"
        ? enumNames.get(field.type)
        : native
          ? NATIVE_TYPES[native]?.(args ?? [])
          : SCALAR_TYPES[field.type];
    if (!base) throw new Error(`extend this test: no PostgreSQL type for ${field.type} ${native ?? ""}`);
    return field.isList ? `${base}[]` : base;
  };

  const literal = (field: DmmfField, value: unknown): string => {
    if (field.kind === "enum") return `${sqlLiteral(String(value))}::${enumNames.get(field.type)}`;
    if (field.type === "Boolean" || field.type === "Int" || field.type === "BigInt") return String(value);
    if (field.type === "String") return `${sqlLiteral(String(value))}::text`;
    if (field.type === "Json") return `${sqlLiteral(String(value))}::jsonb`;
    throw new Error(`extend this test: no default literal for ${field.type}`);
  };

  const defaultOf = (field: DmmfField, table: string, column: string): string | null => {
    const value = field.default;
    if (value === undefined) return null;
    if (Array.isArray(value)) {
      return value.length === 0
        ? `ARRAY[]::${typeOf(field)}`
        : `ARRAY[${value.map((v) => literal(field, v)).join(", ")}]`;
    }
    if (typeof value === "object" && value !== null && "name" in value) {
      const { name, args } = value as { name: string; args: unknown[] };
      if (name === "now") return "CURRENT_TIMESTAMP";
      if (name === "dbgenerated") return String(args[0]);
      if (name === "autoincrement") return `nextval('${table}_${column}_seq'::regclass)`;
      if (["uuid", "cuid", "nanoid", "ulid"].includes(name)) return null; // made by the client
      throw new Error(`extend this test: default function ${name}()`);
    }
    return literal(field, value);
  };

  const tables: Record<string, TableDescription> = {};
  for (const model of datamodel.models) {
    const table = tableOf(model);
    const description = emptyTable();
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      const column = field.dbName ?? field.name;
      // Prisma creates scalar lists as nullable columns, whatever the field says.
      const notNull = field.isRequired && !field.isList ? " NOT NULL" : "";
      const fallback = defaultOf(field, table, column);
      description.columns[column] = `${typeOf(field)}${notNull}${fallback ? ` DEFAULT ${fallback}` : ""}`;
    }
    for (const index of datamodel.indexes.filter((i) => i.model === model.name)) {
      const columns = index.fields.map((f) => columnOf(model, f.name));
      const list = index.fields
        .map((f, i) => `${columns[i]}${f.sortOrder === "desc" ? " DESC" : ""}`)
        .join(", ");
      if (index.type === "id") {
        description.primaryKey = `${index.dbName ?? `${table}_pkey`} (${list})`;
        continue;
      }
      const unique = index.type === "unique";
      const name = index.dbName ?? `${table}_${columns.join("_")}_${unique ? "key" : "idx"}`;
      const method = (index.algorithm ?? "BTree").toLowerCase();
      description.indexes[name] = `${unique ? "UNIQUE " : ""}${method} (${list})`;
    }
    for (const field of model.fields) {
      const from = field.relationFromFields ?? [];
      if (field.kind !== "object" || from.length === 0) continue;
      const target = models.get(field.type);
      if (!target) throw new Error(`${model.name}.${field.name}: unknown model ${field.type}`);
      const columns = from.map((name) => columnOf(model, name));
      const referenced = (field.relationToFields ?? []).map((name) => columnOf(target, name));
      // Prisma's default names (a `map:` on @relation is not in the DMMF) and default actions:
      // RESTRICT when the relation is required, SET NULL when optional.
      const anyOptional = from.some(
        (name) => model.fields.find((f) => f.name === name)?.isRequired === false,
      );
      const onDelete = field.relationOnDelete ?? (anyOptional ? "SetNull" : "Restrict");
      const onUpdate = field.relationOnUpdate ?? "Cascade";
      description.foreignKeys[`${table}_${columns.join("_")}_fkey`] =
        `(${columns.join(", ")}) REFERENCES ${tableOf(target)} (${referenced.join(", ")}) ` +
        `ON DELETE ${referentialAction(onDelete)} ON UPDATE ${referentialAction(onUpdate)}`;
    }
    description.other = [...(BEYOND_PRISMA[table] ?? [])];
    Object.assign(description.indexes, BEYOND_PRISMA_INDEXES[table]);
    tables[table] = description;
  }
  const enums = datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]);
  return sortKeys({ enums: Object.fromEntries(enums), tables });
};

/**
 * What the SQL adds on purpose beyond what Prisma can express, table by table; anything else
 * extra is drift. The audit trail is append-only in the database itself (migration
 * 20261127200000_audit_append_only, docs/decisions/0008); an API key expires by the end of year
 * 9999 (20261202173000_api_key_expiry_bound); every change of who holds what bumps the site's
 * access version (20261207210000_site_access_version, docs/decisions/0025), and every change of a
 * membership or platform grant the platform's (20261208020000_platform_access_version, 0031).
 */
const BEYOND_PRISMA: Record<string, string[]> = {
  audit_events: ["TRIGGER audit_events_append_only", "TRIGGER audit_events_no_truncate"],
  api_keys: [
    "CONSTRAINT api_keys_expires_at_check CHECK ((expires_at < to_timestamp(('253402300800'::bigint)::double precision)))",
    "TRIGGER api_keys_access_version",
  ],
  group_members: ["TRIGGER group_members_access_version"],
  object_permissions: ["TRIGGER object_permissions_access_version"],
  organization_members: ["TRIGGER organization_members_access_version"],
  permission_grants: ["TRIGGER permission_grants_access_version"],
  users: ["TRIGGER users_access_version", "TRIGGER users_deleted_access_version"],
};

/**
 * Indexes the SQL adds on purpose beyond what Prisma can express (a partial index: Prisma's
 * `partialIndexes` is a preview feature, and its DMMF leaves the predicate out), as the catalog
 * prints them. A host name is unique among VERIFIED domains only (migration
 * 20261202170000_domain_verification, docs/decisions/0013).
 */
const BEYOND_PRISMA_INDEXES: Record<string, Record<string, string>> = {
  domains: {
    domains_verified_hostname_key: `UNIQUE btree (hostname) WHERE (status = 'VERIFIED'::"DomainStatus")`,
  },
};

// ---- Actual: the catalog of a migrated schema ----------------------------------------------

// Tables, views and foreign tables of the schema, except the migrator's own ledger tables
// (_taruvi_migrations, _taruvi_site_migrations), which schema.prisma does not describe.
const RELATIONS = `c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.relname NOT LIKE '\\_taruvi\\_%'`;
const CATALOG_QUERIES = {
  enums: `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typnamespace = $1::regnamespace GROUP BY t.typname`,
  tables: `SELECT c.relname AS table FROM pg_class c WHERE ${RELATIONS}`,
  columns: `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
      a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE ${RELATIONS} AND a.attnum > 0 AND NOT a.attisdropped`,
  indexes: `SELECT c.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
      am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
      ARRAY(SELECT coalesce(a.attname::text, pg_get_indexdef(x.indexrelid, k.n::int, true))
          || CASE WHEN x.indoption[(k.n - 1)::int] & 1 = 1 THEN ' DESC' ELSE '' END
        FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
    FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_am am ON am.oid = i.relam WHERE ${RELATIONS}`,
  // contype 'n' (NOT NULL, PostgreSQL 18+) is covered by the columns; 'p' by the indexes.
  constraints: `SELECT c.relname AS table, k.conname AS name, k.contype AS type,
      pg_get_constraintdef(k.oid) AS definition, k.confdeltype AS on_delete, k.confupdtype AS on_update,
      CASE WHEN r.relnamespace = c.relnamespace THEN r.relname::text ELSE r.oid::regclass::text END AS ref_table,
      ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.n) AS columns,
      ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, n)
        JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.n) AS ref_columns
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
    WHERE ${RELATIONS} AND k.contype NOT IN ('n', 'p')`,
  triggers: `SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE ${RELATIONS} AND NOT t.tgisinternal`,
} as const;

/** pg_constraint.confdeltype / confupdtype codes. */
const ACTION_CODES: Record<string, string> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT",
};

// biome-ignore lint/suspicious/noExplicitAny: catalog rows, shaped by the queries above
type Row = Record<string, any>;

const describeDatabaseSchema = async (pool: Pool, schema: string): Promise<SchemaDescription> => {
  const rows = {} as Record<keyof typeof CATALOG_QUERIES, Row[]>;
  await inTransaction(pool, async (client) => {
    // With the schema alone on the search path, type names and expressions print unqualified.
    await client.query("SELECT set_config('search_path', $1, true)", [quoteIdent(schema)]);
    for (const [name, sql] of Object.entries(CATALOG_QUERIES)) {
      rows[name as keyof typeof CATALOG_QUERIES] = (await client.query(sql, [schema])).rows;
    }
  });

  const tables: Record<string, TableDescription> = {};
  const tableFor = (row: Row): TableDescription => {
    tables[row.table] ??= emptyTable();
    return tables[row.table] as TableDescription;
  };
  for (const row of rows.tables) tableFor(row);
  for (const row of rows.columns) {
    // now() and CURRENT_TIMESTAMP are the same function; Prisma writes the latter.
    const fallback = row.default === "now()" ? "CURRENT_TIMESTAMP" : row.default;
    tableFor(row).columns[row.column] =
      `${row.type}${row.not_null ? " NOT NULL" : ""}${fallback ? ` DEFAULT ${fallback}` : ""}`;
  }
  for (const row of rows.indexes) {
    const list = `(${row.columns.join(", ")})${row.predicate ? ` WHERE ${row.predicate}` : ""}`;
    if (row.primary) tableFor(row).primaryKey = `${row.name} ${list}`;
    else tableFor(row).indexes[row.name] = `${row.unique ? "UNIQUE " : ""}${row.method} ${list}`;
  }
  for (const row of rows.constraints) {
    if (row.type === "f") {
      tableFor(row).foreignKeys[row.name] =
        `(${row.columns.join(", ")}) REFERENCES ${row.ref_table} (${row.ref_columns.join(", ")}) ` +
        `ON DELETE ${ACTION_CODES[row.on_delete]} ON UPDATE ${ACTION_CODES[row.on_update]}`;
    } else {
      tableFor(row).other.push(`CONSTRAINT ${row.name} ${row.definition}`);
    }
  }
  for (const row of rows.triggers) tableFor(row).other.push(`TRIGGER ${row.name}`);
  for (const table of Object.values(tables)) table.other.sort();
  return sortKeys({ enums: Object.fromEntries(rows.enums.map((row) => [row.name, row.labels])), tables });
};

// ---- Tests ---------------------------------------------------------------------------------

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe("the SQL migrations build exactly what schema.prisma describes", () => {
  it("platform schema (migrated into the template by the global setup)", async () => {
    expect(await describeDatabaseSchema(db.pool, "platform")).toEqual(describePrismaSchema("platform"));
  });

  it("site schema (built by createSite)", async () => {
    const { organization } = await createTestOrganization(db.platform);
    const site = await createSite(
      db.pool,
      { organizationId: organization.id, slug: randomSlug("s"), name: "Schema check" },
      { sets: [loadMigrations(defaultMigrationsDirs.tenant)] },
    );
    expect(site.schemaName).toMatch(/^site_[0-9a-f]{32}$/);
    expect(await describeDatabaseSchema(db.pool, site.schemaName)).toEqual(describePrismaSchema("tenant"));
  });

  it("notices a drift: an extra column makes the descriptions differ", async () => {
    const schema = "schema_drift_check";
    await inTransaction(db.pool, async (client) => {
      await client.query(`CREATE SCHEMA ${schema}; SET LOCAL search_path TO ${schema}`);
      for (const migration of loadMigrations(defaultMigrationsDirs.tenant).migrations) {
        await client.query(migration.sql);
      }
    });
    const expected = describePrismaSchema("tenant");
    expect(await describeDatabaseSchema(db.pool, schema)).toEqual(expected);

    await db.pool.query(`ALTER TABLE ${schema}.settings ADD COLUMN extra text`);
    const drifted = await describeDatabaseSchema(db.pool, schema);
    expect(drifted).not.toEqual(expected);
    expect(drifted.tables.settings?.columns).toEqual({ ...expected.tables.settings?.columns, extra: "text" });
  });
});
