import type { MigrationSet } from "@taruvi/migrator";
import pg from "pg";

const DOLLAR_TAG = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Index just past the quote that closes the one at `start` (a doubled quote is an escape). */
const skipQuoted = (sql: string, start: number, quote: string): number => {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return sql.length;
};

/**
 * Splits a migration into its statements on top-level semicolons. Comments are dropped;
 * quoted strings, quoted identifiers and dollar-quoted bodies are kept whole.
 */
export const splitStatements = (sql: string): string[] => {
  const statements: string[] = [];
  let current = "";
  const flush = () => {
    const statement = current.trim();
    if (statement.length > 0) statements.push(statement);
    current = "";
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      current += "\n";
    } else if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += " ";
    } else if (ch === "'" || ch === '"') {
      const end = skipQuoted(sql, i, ch);
      current += sql.slice(i, end);
      i = end;
    } else if (ch === "$" && DOLLAR_TAG.test(sql.slice(i, i + 65))) {
      const tag = (DOLLAR_TAG.exec(sql.slice(i, i + 65)) as RegExpExecArray)[0];
      const close = sql.indexOf(tag, i + tag.length);
      const end = close === -1 ? sql.length : close + tag.length;
      current += sql.slice(i, end);
      i = end;
    } else if (ch === ";") {
      flush();
      i += 1;
    } else {
      current += ch;
      i += 1;
    }
  }
  flush();
  return statements;
};

/** Every statement of every site migration, in order. */
export const siteStatements = (set: MigrationSet): string[] =>
  set.migrations.flatMap((migration) => splitStatements(migration.sql));

/**
 * The reference provisioner: CREATE SCHEMA, SET search_path, then each statement as its own
 * autocommit query on the caller's dedicated connection. No transaction, lock, ledger or
 * registry row, so it is the floor for sending this DDL one statement per round trip.
 */
export const provisionNaive = async (
  client: pg.Client,
  schema: string,
  statements: readonly string[],
): Promise<void> => {
  const quoted = pg.escapeIdentifier(schema);
  await client.query(`CREATE SCHEMA ${quoted}`);
  await client.query(`SET search_path TO ${quoted}`);
  for (const statement of statements) await client.query(statement);
};

/**
 * The reference no-op check, as django-tenants' migrate does it: list the tenant schemas, then
 * open every schema's own ledger (one SELECT per schema) and compare it with the files.
 * Returns the number of schemas with a migration still to apply.
 */
export const scanLedgersNaive = async (client: pg.Client, set: MigrationSet): Promise<number> => {
  const { rows: sites } = await client.query<{ schema_name: string }>(
    "SELECT schema_name FROM platform.sites ORDER BY created_at, id",
  );
  let behind = 0;
  for (const { schema_name } of sites) {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM ${pg.escapeIdentifier(schema_name)}."_taruvi_migrations"`,
    );
    const applied = new Set(rows.map((row) => row.name));
    if (set.migrations.some((migration) => !applied.has(migration.name))) behind += 1;
  }
  return behind;
};
