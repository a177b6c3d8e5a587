import { createServer, type Socket } from "node:net";
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

describe("the pool's timeouts", () => {
  it("a statement running longer than the statement timeout fails with a clear error, without hanging", async () => {
    const pool = createPool({ url: db.url, max: 1, statementTimeoutMillis: 300 });
    try {
      const started = Date.now();
      await expect(pool.query("SELECT pg_sleep(5)")).rejects.toMatchObject({
        code: "57014",
        message: expect.stringMatching(/statement timeout/),
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      // The connection is still good for the next statement.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it("a database that does not answer fails the connection after the connect timeout", async () => {
    // A listening socket that never speaks PostgreSQL: as a stopped (SIGSTOP) server looks.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const pool = createPool({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectTimeoutMillis: 300,
    });
    try {
      const started = Date.now();
      await expect(pool.query("SELECT 1")).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("with no statement timeout (the default, for migrations) a slow statement completes", async () => {
    const pool = createPool({ url: db.url, max: 1 });
    try {
      expect((await pool.query("SELECT pg_sleep(0.4), 1 AS one")).rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe("idle connections that fail", () => {
  it("are reported once per outage, not once per connection", async () => {
    const errors: Error[] = [];
    const pool = createPool({ url: db.url, max: 3, onError: (error) => errors.push(error) });
    /** Three idle connections, then the server ends all three. */
    const dropAll = async () => {
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      const pids = await Promise.all(
        clients.map(async (client) => (await client.query("SELECT pg_backend_pid() AS pid")).rows[0]?.pid),
      );
      const ended = clients.map((client) => new Promise((resolve) => client.once("end", resolve)));
      for (const client of clients) client.release();
      await db.pool.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
      await Promise.all(ended);
    };
    try {
      await dropAll();
      expect(errors).toHaveLength(1);
      // New connections were opened since: the next outage is reported again.
      await dropAll();
      expect(errors).toHaveLength(2);
    } finally {
      await pool.end();
    }
  });
});
