import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schemaNameForSite } from "@taruvi/tenancy";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSite, defaultMigrationsDirs, loadMigrations, provisionSite } from "../src/index";

const tenantSet = loadMigrations(defaultMigrationsDirs.tenant);
let db: TestDatabase;
let organizationId: string;

const schemaExists = async (schema: string) =>
  (await db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;

const siteBySlug = (slug: string) => db.platform.site.findUnique({ where: { slug } });

beforeAll(async () => {
  db = await createTestDatabase();
  organizationId = (await createTestOrganization(db.platform)).organization.id;
});
afterAll(() => db.drop());

describe("createSite", () => {
  it("returns an ACTIVE site whose schema has every site table and a full ledger", async () => {
    const site = await createSite(
      db.pool,
      { organizationId, slug: randomSlug("s"), name: "Acme" },
      { sets: [tenantSet] },
    );
    expect(site.status).toBe("ACTIVE");
    expect(site.schemaName).toBe(schemaNameForSite(site.id));
    expect(site.schemaVersion).toBe(tenantSet.head);
    const { rows } = await db.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [site.schemaName],
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      "_taruvi_migrations",
      "access_version",
      "api_keys",
      "audit_events",
      "group_members",
      "groups",
      "one_time_tokens",
      "permission_grants",
      "sessions",
      "settings",
      "users",
    ]);
    const ledger = await db.pool.query(`SELECT name FROM "${site.schemaName}"._taruvi_migrations`);
    expect(ledger.rows.map((r) => r.name)).toEqual(tenantSet.migrations.map((m) => m.name));
  });

  it("keeps nothing when the seed fails half-way, and a retry succeeds", async () => {
    const slug = randomSlug("s");
    let schema = "";
    const failing = createSite(
      db.pool,
      { organizationId, slug, name: "Half" },
      {
        sets: [tenantSet],
        seed: async (client, site) => {
          schema = site.schema;
          await client.query(`INSERT INTO "${site.schema}".users (email, name) VALUES ('a@b.test', 'A')`);
          throw new Error("injected failure after the schema was built");
        },
      },
    );
    await expect(failing).rejects.toThrow("injected failure");
    expect(schema).toMatch(/^site_/);
    expect(await schemaExists(schema)).toBe(false);
    expect(await siteBySlug(slug)).toBeNull();

    const site = await createSite(db.pool, { organizationId, slug, name: "Half" }, { sets: [tenantSet] });
    expect(site.status).toBe("ACTIVE");
    expect(await schemaExists(site.schemaName)).toBe(true);
  });

  it("keeps nothing when a migration fails mid-way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taruvi-mig-"));
    cpSync(tenantSet.dir, dir, { recursive: true });
    mkdirSync(join(dir, "20990101000000_broken"));
    writeFileSync(
      join(dir, "20990101000000_broken", "migration.sql"),
      'ALTER TABLE "users" ADD COLUMN "x" nosuchtype;',
    );
    const slug = randomSlug("s");
    await expect(
      createSite(db.pool, { organizationId, slug, name: "Broken" }, { sets: [loadMigrations(dir)] }),
    ).rejects.toThrow(/nosuchtype/);
    expect(await siteBySlug(slug)).toBeNull();
    const leftovers = await db.pool.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%' AND nspname NOT IN (SELECT schema_name FROM platform.sites)",
    );
    expect(leftovers.rows).toEqual([]);
  });

  it("gives CONFLICT on slug to the loser of two concurrent creates", async () => {
    const slug = randomSlug("s");
    const results = await Promise.allSettled([
      createSite(db.pool, { organizationId, slug, name: "One" }, { sets: [tenantSet] }),
      createSite(db.pool, { organizationId, slug, name: "Two" }, { sets: [tenantSet] }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ code: "CONFLICT", field: "slug" });
    expect(await db.platform.site.count({ where: { slug } })).toBe(1);
    const orphans = await db.pool.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%' AND nspname NOT IN (SELECT schema_name FROM platform.sites)",
    );
    expect(orphans.rows).toEqual([]);
  });

  it.each([
    ['a"; drop schema platform; --', "slug"],
    ["x".repeat(64), "slug"],
    ["ünïcödé-site", "slug"],
    ["UpperCase", "slug"],
    ["www", "slug"],
    ["ab", "slug"],
    ["ends-", "slug"],
  ])("rejects the hostile or invalid slug %j with BAD_USER_INPUT and writes nothing", async (slug, field) => {
    const before = await db.platform.site.count();
    await expect(
      createSite(db.pool, { organizationId, slug, name: "Hostile" }, { sets: [tenantSet] }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await db.platform.site.count()).toBe(before);
    expect(await schemaExists("platform")).toBe(true);
  });

  it("rejects an unknown organization with NOT_FOUND", async () => {
    await expect(
      createSite(
        db.pool,
        { organizationId: "00000000-0000-4000-8000-000000000000", slug: randomSlug("s"), name: "X" },
        { sets: [tenantSet] },
      ),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("provisionSite", () => {
  it("finishes a site left in PROVISIONING and is idempotent on retry", async () => {
    const id = crypto.randomUUID();
    const schemaName = schemaNameForSite(id);
    await db.platform.site.create({
      data: { id, organizationId, slug: randomSlug("s"), name: "Interrupted", schemaName },
    });
    expect(await schemaExists(schemaName)).toBe(false);

    const first = await provisionSite(db.pool, id, { sets: [tenantSet] });
    expect(first.status).toBe("ACTIVE");
    expect(await schemaExists(schemaName)).toBe(true);
    await db.pool.query(`INSERT INTO "${schemaName}".users (email, name) VALUES ('kept@b.test', 'Kept')`);

    const second = await provisionSite(db.pool, id, { sets: [tenantSet] });
    expect(second).toEqual(first);
    const users = await db.pool.query(`SELECT email FROM "${schemaName}".users`);
    expect(users.rows).toEqual([{ email: "kept@b.test" }]);
  });
});
