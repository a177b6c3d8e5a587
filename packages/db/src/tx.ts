import type { PoolClient } from "pg";
import type { Pool } from "./pool";

/** Runs `work` in one transaction on one pooled connection; rolls back on any error. */
export const inTransaction = async <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  // A connection that breaks while no statement runs on it (the server restarted between two
  // statements) emits `error` on the checked-out client: unheard, it would crash the process.
  // The next statement then fails, and the transaction with it; the pool discards the client.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
};
