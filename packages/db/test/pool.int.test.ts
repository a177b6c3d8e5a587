import { createTestDatabase, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, poolStats } from "../src/index";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 1 });
});
afterAll(() => db.drop());

const backendPid = async (pool: ReturnType<typeof createPool>) =>
  (await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;

describe("the process pool", () => {
  it("replaces a connection once its lifetime is over, so per-connection catalog caches stay bounded", async () => {
    const pool = createPool({ url: db.url, max: 1, maxLifetimeSeconds: 1, idleTimeoutMillis: 60_000 });
    try {
      const first = await backendPid(pool);
      expect(await backendPid(pool)).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await backendPid(pool);
      expect(later).toBeDefined();
      expect(later).not.toBe(first);
      expect(poolStats(pool)).toMatchObject({ max: 1 });
      expect(poolStats(pool).total).toBeLessThanOrEqual(1);
    } finally {
      await pool.end();
    }
  });
});
