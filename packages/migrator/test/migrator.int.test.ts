import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSite,
  defaultMigrationsDirs,
  loadMigrations,
  MigrationRefusedError,
  migratePlatform,
  migrateSites,
  migrationStatus,
  type ProvisionedSite,
} from "../src/index";

const baseSet = loadMigrations(defaultMigrationsDirs.tenant);
const platformSet = loadMigrations(defaultMigrationsDirs.platform);
let db: TestDatabase;
let sites: ProvisionedSite[];

/** A copy of the real site migrations plus extra ones, as a developer would add them. */
const migrationsDirWith = (extra: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), "taruvi-mig-"));
  cpSync(baseSet.dir, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
  }
  return dir;
};

const columnsOf = async (schema: string, table: string) =>
  (
    await db.pool.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
      [schema, table],
    )
  ).rows.map((r) => r.column_name);

const ledgerOf = async (schema: string) =>
  (
    await db.pool.query<{ name: string }>(`SELECT name FROM "${schema}"._taruvi_migrations ORDER BY name`)
  ).rows.map((r) => r.name);

const versionOf = async (id: string) =>
  (await db.platform.site.findUniqueOrThrow({ where: { id } })).schemaVersion;

beforeAll(async () => {
  db = await createTestDatabase();
  const { organization } = await createTestOrganization(db.platform);
  sites = [];
  for (const name of ["Alpha", "Bravo", "Charlie"]) {
    sites.push(
      await createSite(
        db.pool,
        { organizationId: organization.id, slug: randomSlug("m"), name },
        { sets: [baseSet] },
      ),
    );
  }
});
afterAll(() => db.drop());

describe("migrator", () => {
  it("re-running the platform migration applies nothing", async () => {
    expect(await migratePlatform(db.pool, platformSet)).toEqual({ applied: [] });
  });

  it("skips every site already at head without migrating any", async () => {
    const report = await migrateSites(db.pool, { sets: [baseSet] });
    expect(report).toMatchObject({ total: 3, upToDate: 3, migrated: [], failed: [], provisioned: [] });
    const status = await migrationStatus(db.pool, { platform: platformSet, tenant: [baseSet] });
    expect(status.ok).toBe(true);
  });

  it("applies a new migration to every site, records it in each ledger, and skips on the next run", async () => {
    const set = loadMigrations(
      migrationsDirWith({ "20990101000000_add_nickname": 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;' }),
    );
    const behind = await migrationStatus(db.pool, { platform: platformSet, tenant: [set] });
    expect(behind.ok).toBe(false);
    expect(behind.sites.behind).toBe(3);

    const report = await migrateSites(db.pool, { sets: [set], concurrency: 2 });
    expect(report.failed).toEqual([]);
    expect(report.migrated.map((m) => m.applied)).toEqual([
      ["20990101000000_add_nickname"],
      ["20990101000000_add_nickname"],
      ["20990101000000_add_nickname"],
    ]);
    for (const site of sites) {
      expect(await columnsOf(site.schemaName, "users")).toContain("nickname");
      expect(await ledgerOf(site.schemaName)).toEqual(set.migrations.map((m) => m.name));
      expect(await versionOf(site.id)).toBe("20990101000000_add_nickname");
    }
    expect(await migrateSites(db.pool, { sets: [set] })).toMatchObject({ upToDate: 3, migrated: [] });
  });

  it("refuses loudly, before touching any site, when an applied migration was edited", async () => {
    const set = loadMigrations(
      migrationsDirWith({
        "20990101000000_add_nickname": 'ALTER TABLE "users" ADD COLUMN "nickname" VARCHAR(20);',
        "20990102000000_add_bio": 'ALTER TABLE "users" ADD COLUMN "bio" TEXT;',
      }),
    );
    const run = migrateSites(db.pool, { sets: [set] });
    await expect(run).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(run).rejects.toThrow(/20990101000000_add_nickname changed after it was applied/);
    for (const site of sites) expect(await columnsOf(site.schemaName, "users")).not.toContain("bio");
    const status = await migrationStatus(db.pool, { platform: platformSet, tenant: [set] });
    expect(status.ok).toBe(false);
  });

  it("refuses a new migration that sorts before one already applied", async () => {
    const set = loadMigrations(
      migrationsDirWith({
        "20990101000000_add_nickname": 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
        "20980101000000_late_branch": 'ALTER TABLE "users" ADD COLUMN "late" TEXT;',
      }),
    );
    await expect(migrateSites(db.pool, { sets: [set] })).rejects.toThrow(
      /sorts before 20990101000000_add_nickname/,
    );
  });

  it("isolates a failing site: it is rolled back and reported, the others are migrated, a re-run resumes", async () => {
    const [alpha, bravo, charlie] = sites as [ProvisionedSite, ProvisionedSite, ProvisionedSite];
    await db.pool.query(
      `INSERT INTO "${bravo.schemaName}".users (email, name) VALUES ('poison@example.test', 'P')`,
    );
    const set = loadMigrations(
      migrationsDirWith({
        "20990101000000_add_nickname": 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
        "20990103000000_flag_and_check": `ALTER TABLE "users" ADD COLUMN "flag" TEXT;
ALTER TABLE "users" ADD CONSTRAINT "users_no_poison" CHECK ("email" <> 'poison@example.test');`,
      }),
    );

    const report = await migrateSites(db.pool, { sets: [set], concurrency: 3 });
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ siteId: bravo.id, slug: bravo.slug });
    expect(report.failed[0]?.error).toMatch(/users_no_poison/);
    expect(report.migrated.map((m) => m.siteId).sort()).toEqual([alpha.id, charlie.id].sort());

    // The failing site is exactly as it was: no new column, no ledger row, old version.
    expect(await columnsOf(bravo.schemaName, "users")).not.toContain("flag");
    expect(await ledgerOf(bravo.schemaName)).not.toContain("20990103000000_flag_and_check");
    expect(await versionOf(bravo.id)).toBe("20990101000000_add_nickname");
    for (const site of [alpha, charlie]) {
      expect(await columnsOf(site.schemaName, "users")).toContain("flag");
      expect(await versionOf(site.id)).toBe("20990103000000_flag_and_check");
    }
    const status = await migrationStatus(db.pool, { platform: platformSet, tenant: [set] });
    expect(status.ok).toBe(false);
    expect(status.sites).toMatchObject({ failed: 1, current: 2 });
    expect(status.siteDetails[0]).toMatchObject({ slug: bravo.slug, state: "failed" });

    await db.pool.query(`DELETE FROM "${bravo.schemaName}".users WHERE email = 'poison@example.test'`);
    const resumed = await migrateSites(db.pool, { sets: [set] });
    expect(resumed).toMatchObject({ upToDate: 2, failed: [] });
    expect(resumed.migrated).toEqual([
      { siteId: bravo.id, slug: bravo.slug, service: "core", applied: ["20990103000000_flag_and_check"] },
    ]);
    expect((await migrationStatus(db.pool, { platform: platformSet, tenant: [set] })).ok).toBe(true);
  });

  it("two migrators at once apply each migration to each site exactly once", async () => {
    const set = loadMigrations(
      migrationsDirWith({
        "20990101000000_add_nickname": 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
        "20990103000000_flag_and_check": `ALTER TABLE "users" ADD COLUMN "flag" TEXT;
ALTER TABLE "users" ADD CONSTRAINT "users_no_poison" CHECK ("email" <> 'poison@example.test');`,
        "20990104000000_add_locale": 'ALTER TABLE "users" ADD COLUMN "locale" TEXT;',
      }),
    );
    const [first, second] = await Promise.all([
      migrateSites(db.pool, { sets: [set], concurrency: 3 }),
      migrateSites(db.pool, { sets: [set], concurrency: 3 }),
    ]);
    expect([...first.failed, ...second.failed]).toEqual([]);
    const applied = [...first.migrated, ...second.migrated].flatMap((m) => m.applied);
    expect(applied).toEqual([
      "20990104000000_add_locale",
      "20990104000000_add_locale",
      "20990104000000_add_locale",
    ]);
    for (const site of sites) expect(await ledgerOf(site.schemaName)).toContain("20990104000000_add_locale");
  });
});
