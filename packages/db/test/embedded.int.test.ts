import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEmbeddedPostgres } from "../src/index";

// World-traversable parent: as root, the server runs as the `postgres` user.
const parent = mkdtempSync(join(tmpdir(), "taruvi-embedded-"));
chmodSync(parent, 0o755);
const dataDir = join(parent, "postgres");
const port = 20_000 + Math.floor(Math.random() * 20_000);

const query = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe("embedded PostgreSQL", () => {
  it("starts from nothing, keeps its data across restarts, and reuses a running server", async () => {
    const first = await ensureEmbeddedPostgres({ dataDir, port });
    expect(first.started).toBe(true);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");

    const reused = await ensureEmbeddedPostgres({ dataDir, port });
    expect(reused.started).toBe(false);
    await reused.stop(); // not ours to stop: the server keeps running
    expect(await query(first.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);

    await first.stop();
    await expect(query(first.url, "SELECT 1")).rejects.toThrow();

    const restarted = await ensureEmbeddedPostgres({ dataDir, port });
    expect(restarted.started).toBe(true);
    expect(await query(restarted.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    await restarted.stop();
  });
});
