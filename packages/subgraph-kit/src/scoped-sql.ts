import type { TenantRef } from "@taruvi/auth";
import { PLATFORM_SCHEMA, preparedQuery, type QueryConfigExecutor } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import { requireSite } from "./context";

/** SQL text, given the schema it reads as a validated, quoted identifier (`"site_…"`). */
export type InSchema = (schema: string) => string;

/**
 * Reads that skip Prisma (decision 0027): one parameterized SELECT through node-postgres on the
 * process pool, outside any transaction. The schema is never an argument: `site` reads the
 * request's site (BAD_USER_INPUT in the platform scope, as `db`), `platform` the platform schema.
 * Rows come as node-postgres types them (timestamptz: Date, enums: their text, NULL: null).
 * A platform read's text is the same on every call, so it is a named statement, prepared once
 * per connection (`preparedQuery`, decision 0030); a site read's text names the site's schema
 * and runs unnamed (thousands of sites would be thousands of statements in every connection).
 */
export type ScopedSql = {
  site: <Row>(text: InSchema, values?: unknown[]) => Promise<Row[]>;
  platform: <Row>(text: InSchema, values?: unknown[]) => Promise<Row[]>;
};

const SELECT = /^\s*SELECT\b/i;

const read = async <Row>(
  db: QueryConfigExecutor,
  schema: string,
  text: InSchema,
  values: unknown[],
  prepare: boolean,
) => {
  const sql = text(quoteSchema(schema));
  // Writes go through `db` in an audited transaction, never through here.
  if (!SELECT.test(sql)) throw new Error("ScopedSql runs a single SELECT");
  return (await db.query(prepare ? preparedQuery(sql, values) : { text: sql, values })).rows as Row[];
};

/** The request's ScopedSql: its site schema is the signed context's, fixed for the request. */
export const createScopedSql = (db: QueryConfigExecutor, tenant: TenantRef | null): ScopedSql => ({
  site: async (text, values = []) => read(db, requireSite({ tenant }).schema, text, values, false),
  platform: async (text, values = []) => read(db, PLATFORM_SCHEMA, text, values, true),
});
