/**
 * The one raw-SQL seam: whatever runs SQL with positional parameters in the caller's
 * transaction. A node-postgres client (a `PoolClient` inside `inTransaction`) is one as it is;
 * `prismaSqlExecutor` makes one of a Prisma client or interactive transaction. Code that writes
 * in the caller's transaction (the audit writer, the job queue) takes a SqlExecutor.
 */
export type SqlExecutor = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

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
