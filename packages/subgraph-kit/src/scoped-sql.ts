import type { TenantRef } from "@taruvi/auth";
import { PLATFORM_SCHEMA, type SqlExecutor } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import { requireSite } from "./context";

/** SQL text, given the schema it reads as a validated, quoted identifier (`"site_…"`). */
export type InSchema = (schema: string) => string;

/**
 * Reads that skip Prisma (decision 0027): one parameterized SELECT through node-postgres on the
 * process pool, outside any transaction. The schema is never an argument: `site` reads the
 * request's site (BAD_USER_INPUT in the platform scope, as `db`), `platform` the platform schema.
 * Rows come as node-postgres types them (timestamptz: Date, enums: their text, NULL: null).
 */
export type ScopedSql = {
  site: <Row>(text: InSchema, values?: unknown[]) => Promise<Row[]>;
  platform: <Row>(text: InSchema, values?: unknown[]) => Promise<Row[]>;
};

const SELECT = /^\s*SELECT\b/i;

const read = async <Row>(db: SqlExecutor, schema: string, text: InSchema, values: unknown[]) => {
  const sql = text(quoteSchema(schema));
  // Writes go through `db` in an audited transaction, never through here.
  if (!SELECT.test(sql)) throw new Error("ScopedSql runs a single SELECT");
  return (await db.query(sql, values)).rows as Row[];
};

/** The request's ScopedSql: its site schema is the signed context's, fixed for the request. */
export const createScopedSql = (db: SqlExecutor, tenant: TenantRef | null): ScopedSql => ({
  site: async (text, values = []) => read(db, requireSite({ tenant }).schema, text, values),
  platform: async (text, values = []) => read(db, PLATFORM_SCHEMA, text, values),
});
