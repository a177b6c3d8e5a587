/**
 * The audit trail is append-only in the database itself (migration 20261127200000_audit_append_only):
 * UPDATE, DELETE and TRUNCATE on `audit_events` are refused with SQLSTATE 42501
 * (insufficient_privilege), in the platform schema and in every site schema, whoever connects —
 * here the table's owner (and a superuser), who would pass any GRANT/REVOKE check. Inserts work.
 */
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite, defaultMigrationsDirs, loadMigrations, type ProvisionedSite } from "../src/index";

let db: TestDatabase;
let site: ProvisionedSite;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  const { organization } = await createTestOrganization(db.platform);
  site = await createSite(
    db.pool,
    { organizationId: organization.id, slug: randomSlug("audit"), name: "Append only" },
    { sets: [loadMigrations(defaultMigrationsDirs.tenant)] },
  );
});
afterAll(() => db.drop());

/** The error PostgreSQL answers `sql` with (null: it succeeded). */
const refusal = async (sql: string, values: unknown[] = []) => {
  try {
    await db.pool.query(sql, values);
    return null;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { code, message };
  }
};

describe.each([
  ["platform", () => '"platform"'],
  ["a site schema", () => `"${site.schemaName}"`],
])("%s.audit_events", (_, schemaOf) => {
  const table = () => `${schemaOf()}."audit_events"`;

  const insert = async (action: string) =>
    (
      await db.pool.query<{ id: string }>(
        `INSERT INTO ${table()} (action, entity_type, entity_id, actor_type, actor_id, changes)
         VALUES ($1, 'User', 'u-1', 'SYSTEM', NULL, '{"name":{"before":"a","after":"b"}}') RETURNING id`,
        [action],
      )
    ).rows[0]?.id as string;

  const rowOf = async (id: string) =>
    (await db.pool.query(`SELECT action, changes FROM ${table()} WHERE id = $1`, [id])).rows[0];

  it("is owned by the connecting role, which would pass any privilege check", async () => {
    const schema = schemaOf().replaceAll('"', "");
    const { rows } = await db.pool.query<{ owner: string; me: string }>(
      `SELECT tableowner AS owner, current_user AS me
         FROM pg_tables WHERE schemaname = $1 AND tablename = 'audit_events'`,
      [schema],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.owner).toBe(rows[0]?.me);
  });

  it("accepts inserts", async () => {
    const id = await insert("user.updated");
    expect(await rowOf(id)).toEqual({
      action: "user.updated",
      changes: { name: { before: "a", after: "b" } },
    });
  });

  it("refuses UPDATE with 42501 and leaves the event as it was", async () => {
    const id = await insert("user.created");
    expect(
      await refusal(`UPDATE ${table()} SET action = 'user.forged', changes = NULL WHERE id = $1`, [id]),
    ).toEqual({ code: "42501", message: "audit events are append-only: UPDATE refused" });
    expect(await rowOf(id)).toEqual({
      action: "user.created",
      changes: { name: { before: "a", after: "b" } },
    });
  });

  it("refuses DELETE with 42501, of one event or of all", async () => {
    const id = await insert("user.deleted");
    expect(await refusal(`DELETE FROM ${table()} WHERE id = $1`, [id])).toEqual({
      code: "42501",
      message: "audit events are append-only: DELETE refused",
    });
    expect((await refusal(`DELETE FROM ${table()}`))?.code).toBe("42501");
    expect(await rowOf(id)).toMatchObject({ action: "user.deleted" });
  });

  it("refuses TRUNCATE with 42501 and keeps every event", async () => {
    await insert("user.kept");
    const before = (await db.pool.query(`SELECT count(*)::int AS n FROM ${table()}`)).rows[0]?.n;
    expect(before).toBeGreaterThan(0);
    expect(await refusal(`TRUNCATE ${table()}`)).toEqual({
      code: "42501",
      message: "audit events are append-only: TRUNCATE refused",
    });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${table()}`)).rows[0]?.n).toBe(before);
  });

  it("refuses a change inside a transaction too, rolling the whole transaction back", async () => {
    const id = await insert("user.in_tx");
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO ${table()} (action, entity_type, actor_type) VALUES ('x.y', 'X', 'SYSTEM')`,
      );
      await expect(
        client.query(`UPDATE ${table()} SET action = 'x' WHERE id = $1`, [id]),
      ).rejects.toMatchObject({ code: "42501" });
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(
      (await db.pool.query(`SELECT count(*)::int AS n FROM ${table()} WHERE action = 'x.y'`)).rows[0]?.n,
    ).toBe(0);
    expect(await rowOf(id)).toMatchObject({ action: "user.in_tx" });
  });
});

describe("a new site's schema", () => {
  it("has both append-only triggers and its own trigger function", async () => {
    const { rows } = await db.pool.query<{ trigger: string; fn_schema: string; timing: string }>(
      `SELECT t.tgname AS trigger, pn.nspname AS fn_schema,
              CASE WHEN t.tgtype & 32 <> 0 THEN 'TRUNCATE' ELSE 'UPDATE OR DELETE' END AS timing
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         JOIN pg_namespace pn ON pn.oid = p.pronamespace
        WHERE n.nspname = $1 AND c.relname = 'audit_events' AND NOT t.tgisinternal
        ORDER BY t.tgname`,
      [site.schemaName],
    );
    expect(rows).toEqual([
      { trigger: "audit_events_append_only", fn_schema: site.schemaName, timing: "UPDATE OR DELETE" },
      { trigger: "audit_events_no_truncate", fn_schema: site.schemaName, timing: "TRUNCATE" },
    ]);
  });
});
