import { existsSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnPostgres, startOwnPostgres } from "./postgres-server";

/** One query on a fresh connection, with the timeouts an application would set. */
const ask = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500, query_timeout: 500 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe("startOwnPostgres", () => {
  let server: OwnPostgres;

  beforeAll(async () => {
    server = await startOwnPostgres();
    await ask(server.url, "CREATE TABLE kept (n int)");
    await ask(server.url, "INSERT INTO kept VALUES (1)");
  });

  afterAll(async () => {
    await server?.close();
  });

  it("answers on its own port, not the shared server's", async () => {
    expect(new URL(server.url).port).not.toBe("5432");
    expect(await ask(server.url, "SELECT n FROM kept")).toEqual([{ n: 1 }]);
  });

  it("hung: a connection is accepted but nothing answers; resumed: it answers again", async () => {
    const open = new pg.Client({ connectionString: server.url, query_timeout: 500 });
    await open.connect();
    server.hang();
    try {
      await expect(ask(server.url, "SELECT 1")).rejects.toThrow(/timeout/i);
      await expect(open.query("SELECT 1")).rejects.toThrow(/timeout/i);
    } finally {
      server.resume();
    }
    expect(await ask(server.url, "SELECT n FROM kept")).toEqual([{ n: 1 }]);
    await open.end();
  });

  it("crashed (SIGKILL): refuses connections; started again: committed rows are there", async () => {
    await ask(server.url, "INSERT INTO kept VALUES (2)");
    await server.stop("crash");
    await expect(ask(server.url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await ask(server.url, "SELECT n FROM kept ORDER BY n")).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("a fast stop and a start keep the data too", async () => {
    await server.stop();
    await expect(ask(server.url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await ask(server.url, "SELECT count(*)::int AS c FROM kept")).toEqual([{ c: 2 }]);
  });

  it("a hung server can be crashed and started again", async () => {
    server.hang();
    await server.stop("crash");
    await server.start();
    expect(await ask(server.url, "SELECT count(*)::int AS c FROM kept")).toEqual([{ c: 2 }]);
  });
});

it("close stops the server and deletes its data directory", async () => {
  const server = await startOwnPostgres();
  const [row] = await ask(server.url, "SHOW data_directory");
  expect(existsSync(String(row?.data_directory))).toBe(true);
  await server.close();
  await expect(ask(server.url, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
  expect(existsSync(String(row?.data_directory))).toBe(false);
});
