import { createTestDatabase, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, inTransaction } from "../src/index";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 1 });
});
afterAll(() => db.drop());

describe("inTransaction", () => {
  it("a connection broken between two statements fails the transaction, without crashing the process", async () => {
    const pool = createPool({ url: db.url, max: 1 });
    try {
      const transaction = inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // The server ends this connection while no statement of ours runs on it.
        const ended = new Promise((resolve) => client.once("end", resolve));
        await db.pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
        await ended;
        await client.query("SELECT 1");
      });
      await expect(transaction).rejects.toThrow();
      // The broken connection is not handed out again.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
