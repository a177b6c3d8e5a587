/** Runs SQL in the caller's transaction (a pg PoolClient inside BEGIN…COMMIT fits). */
export type SqlExecutor = { query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> };

/** What a Prisma interactive transaction (`$transaction(async (tx) => …)`) offers for raw SQL. */
export type RawSqlTransaction = {
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

/** A SqlExecutor over a Prisma interactive transaction: jobs sent with it commit or roll back with it. */
export const prismaSqlExecutor = (tx: RawSqlTransaction): SqlExecutor => ({
  query: async (text, values = []) => ({
    rows: (await tx.$queryRawUnsafe(text, ...values.map(toParameter))) as unknown[],
  }),
});
