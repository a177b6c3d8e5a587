import { createPool, MAX_PREPARED_TEXTS, type Pool, preparedQuery } from "@taruvi/db";
import { createSite, defaultMigrationsDirs, loadMigrations } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScopedSql } from "../src/index";

let db: TestDatabase;
let site: { siteId: string; slug: string; schema: string };

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  const { organization } = await createTestOrganization(db.platform);
  const created = await createSite(
    db.pool,
    { organizationId: organization.id, slug: randomSlug("sql"), name: "SQL" },
    { sets: [loadMigrations(defaultMigrationsDirs.tenant)] },
  );
  site = { siteId: created.id, slug: created.slug, schema: created.schemaName };
  await db.pool.query(
    `INSERT INTO "${site.schema}".users (email, name) VALUES ('only@example.test', 'Only')`,
  );
});
afterAll(() => db?.drop());

describe("ctx.sql", () => {
  it("reads the request's site schema, given to the SQL quoted, and the platform schema", async () => {
    const sql = createScopedSql(db.pool, site);
    const seen: string[] = [];
    const rows = await sql.site<{ name: string; createdAt: Date }>((schema) => {
      seen.push(schema);
      return `SELECT name, created_at AS "createdAt" FROM ${schema}.users`;
    });
    expect(seen).toEqual([`"${site.schema}"`]);
    expect(rows).toEqual([{ name: "Only", createdAt: expect.any(Date) }]);
    const [organizations] = await sql.platform<{ n: number }>(
      (schema) => `SELECT count(*)::int AS n FROM ${schema}.organizations WHERE id = $1`,
      [(await db.platform.organization.findFirstOrThrow()).id],
    );
    expect(organizations).toEqual({ n: 1 });
  });

  it("has no site in the platform scope (BAD_USER_INPUT, as ctx.db)", async () => {
    const sql = createScopedSql(db.pool, null);
    await expect(sql.site((schema) => `SELECT 1 FROM ${schema}.users`)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });

  it("refuses a schema name that is not a site's, and anything but a SELECT", async () => {
    const forged = createScopedSql(db.pool, { ...site, schema: 'public"; DROP TABLE x; --' });
    await expect(forged.site((schema) => `SELECT 1 FROM ${schema}.users`)).rejects.toThrow(
      /invalid site schema name/,
    );
    const sql = createScopedSql(db.pool, site);
    await expect(sql.site((schema) => `DELETE FROM ${schema}.users`)).rejects.toThrow(/single SELECT/);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "${site.schema}".users`)).rows).toEqual([
      { n: 1 },
    ]);
  });
});

describe("prepared platform reads (decision 0030)", () => {
  /** The statements the one connection of `pool` holds prepared. */
  const preparedIn = async (pool: Pool) =>
    (await pool.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).rows.map(
      (row) => row.statement,
    );

  it("prepares a platform read once per connection and reuses it; a site read is never kept", async () => {
    // One connection, so every read below runs on the one whose statements are listed.
    const pool = createPool({ url: db.url, max: 1 });
    try {
      const sql = createScopedSql(pool, site);
      const organization = (await db.platform.organization.findFirstOrThrow()).id;
      const read = () =>
        sql.platform<{ slug: string }>(
          (schema) => `SELECT slug FROM ${schema}.organizations WHERE id = $1`,
          [organization],
        );
      expect(await read()).toEqual([{ slug: expect.any(String) }]);
      expect(await read()).toEqual(await read());
      await sql.site((schema) => `SELECT name FROM ${schema}.users`);
      expect(await preparedIn(pool)).toEqual([`SELECT slug FROM "platform".organizations WHERE id = $1`]);
    } finally {
      await pool.end();
    }
  });

  it("gives a text the same name every time, and stops naming new texts past the bound", () => {
    const first = preparedQuery("SELECT 1 AS one", []);
    expect(first.name).toMatch(/^taruvi_/);
    expect(preparedQuery("SELECT 1 AS one", [2]).name).toBe(first.name);
    expect(preparedQuery("SELECT 2 AS two").name).not.toBe(first.name);
    // A text built per call (a value in it) would prepare a statement per call in every
    // connection: past the bound, new texts run unnamed; the ones already named keep their name.
    for (let i = 0; i < MAX_PREPARED_TEXTS; i += 1) preparedQuery(`SELECT ${i} AS n`);
    expect(preparedQuery("SELECT 'new' AS late")).toEqual({ text: "SELECT 'new' AS late", values: [] });
    expect(preparedQuery("SELECT 1 AS one").name).toBe(first.name);
  });
});
