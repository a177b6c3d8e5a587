import { createHash } from "node:crypto";

/**
 * The one raw-SQL seam: whatever runs SQL with positional parameters in the caller's
 * transaction. A node-postgres client (a `PoolClient` inside `inTransaction`) is one as it is;
 * `prismaSqlExecutor` makes one of a Prisma client or interactive transaction. Code that writes
 * in the caller's transaction (the audit writer, the job queue) takes a SqlExecutor.
 */
export type SqlExecutor = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

/**
 * What runs a query given as node-postgres's query config (a `Pool`, or a client taken from one):
 * the seam for reads that name their statement (`preparedQuery`).
 */
export type QueryConfigExecutor = {
  query: (config: { text: string; values?: unknown[]; name?: string }) => Promise<{ rows: unknown[] }>;
};

/** How many distinct texts get a statement name in this process (a guard, see preparedQuery). */
export const MAX_PREPARED_TEXTS = 1_000;
const preparedNames = new Map<string, string>();

/**
 * A query config node-postgres prepares once per connection and afterwards only binds and
 * executes: PostgreSQL parses and plans the text once per connection instead of on every call,
 * which is most of what a small indexed read costs it (decision 0030). For constant texts (the
 * platform reads): a text that varied per call would prepare another statement in every
 * connection each time, so past the first MAX_PREPARED_TEXTS distinct texts a process has seen,
 * a new text runs unnamed. The name is the text's hash, so a text always has the same name.
 */
export const preparedQuery = (
  text: string,
  values: unknown[] = [],
): { text: string; values: unknown[]; name?: string } => {
  let name = preparedNames.get(text);
  if (name === undefined) {
    if (preparedNames.size >= MAX_PREPARED_TEXTS) return { text, values };
    name = `taruvi_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return { name, text, values };
};

/**
 * A uuid column matched against a batch of ids: `column = $n::uuid` for one id (the usual batch
 * of a request), `column = ANY($n::uuid[])` for several; `value` is what to bind at `$n`. As a
 * prepared statement `= ANY($n)` is planned again on every call (PostgreSQL's generic plan
 * assumes ten elements and never looks cheaper than the custom one), while `= $n` settles on one
 * generic plan after five calls: half of what the read costs PostgreSQL (decision 0030).
 */
export const uuidIn = (
  column: string,
  ids: readonly string[],
  parameter = 1,
): { where: string; value: string | readonly string[] } =>
  ids.length === 1 && ids[0] !== undefined
    ? { where: `${column} = $${parameter}::uuid`, value: ids[0] }
    : { where: `${column} = ANY($${parameter}::uuid[])`, value: ids };

/** What a Prisma client or interactive transaction (`$transaction(async (tx) => …)`), of either schema, offers for raw SQL. */
export type PrismaRawSql = {
  $queryRawUnsafe: (query: string, ...values: unknown[]) => Promise<unknown>;
};

const isPlainObject = (value: unknown): value is object =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  !ArrayBuffer.isView(value);

/**
 * Parameters as node-postgres would send them: `undefined` is NULL and an object is its JSON
 * text (pg-boss passes the job's data as an object, cast with `::jsonb` in its SQL).
 */
const toParameter = (value: unknown): unknown => {
  if (value === undefined) return null;
  return isPlainObject(value) ? JSON.stringify(value) : value;
};

/** A SqlExecutor over a Prisma client or interactive transaction: what it runs commits or rolls back with it. */
export const prismaSqlExecutor = (tx: PrismaRawSql): SqlExecutor => ({
  query: async (text, values = []) => ({
    rows: (await tx.$queryRawUnsafe(text, ...values.map(toParameter))) as unknown[],
  }),
});
