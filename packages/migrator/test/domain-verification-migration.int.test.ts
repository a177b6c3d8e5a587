import { createTestDatabase, type TestDatabase } from "@taruvi/testing";
import { afterAll, describe, expect, it } from "vitest";
import { defaultMigrationsDirs, loadMigrations, type MigrationSet, migratePlatform } from "../src/index";

// Migration 20261202170000_domain_verification on a platform that already has custom domains:
// they become PENDING, each with its own token, and keep routing for the grace period that
// `taruvi migrate` / `npm start` pass as DOMAIN_GRACE_DAYS (14 days when not given).

const MIGRATION = "20261202170000_domain_verification";
const DAY_MS = 86_400_000;
const platformSet = loadMigrations(defaultMigrationsDirs.platform);
const before: MigrationSet = {
  ...platformSet,
  migrations: platformSet.migrations.filter((m) => m.name < MIGRATION),
};

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

/** An empty database migrated up to just before MIGRATION, with a site and two domains. */
const platformWithDomains = async () => {
  const db = await createTestDatabase({ poolSize: 2, empty: true });
  databases.push(db);
  await migratePlatform(db.pool, before);
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH o AS (INSERT INTO platform.organizations (slug, name) VALUES ('old-org', 'Old') RETURNING id)
     INSERT INTO platform.sites (organization_id, slug, name, status, schema_name)
     SELECT id, 'old-site', 'Old', 'ACTIVE', 'site_old' FROM o RETURNING id`,
  );
  await db.pool.query(
    `INSERT INTO platform.domains (site_id, hostname, is_primary)
     VALUES ($1, 'www.old.example', true), ($1, 'old.example', false)`,
    [rows[0]?.id],
  );
  return db;
};

type Row = {
  hostname: string;
  status: string;
  is_primary: boolean;
  verification_token: string;
  grace_until: Date;
  expires_at: Date;
  verified_at: Date | null;
};
const domainsOf = async (db: TestDatabase) =>
  (await db.pool.query<Row>("SELECT * FROM platform.domains ORDER BY hostname")).rows;

describe(MIGRATION, () => {
  it("makes existing domains PENDING with their own tokens, routing for DOMAIN_GRACE_DAYS", async () => {
    const db = await platformWithDomains();
    const started = Date.now();
    expect(await migratePlatform(db.pool, platformSet, { domainGraceDays: 3 })).toEqual({
      applied: platformSet.migrations.filter((m) => m.name >= MIGRATION).map((m) => m.name),
    });
    const rows = await domainsOf(db);
    expect(rows.map((r) => [r.hostname, r.status, r.is_primary, r.verified_at])).toEqual([
      ["old.example", "PENDING", false, null],
      ["www.old.example", "PENDING", true, null],
    ]);
    for (const row of rows) {
      expect(row.verification_token).toMatch(/^taruvi-domain-verification=[0-9a-f]{64}$/);
      expect(Math.abs(row.grace_until.getTime() - (started + 3 * DAY_MS))).toBeLessThan(60_000);
      expect(row.expires_at).toEqual(row.grace_until);
    }
    expect(rows[0]?.verification_token).not.toBe(rows[1]?.verification_token);
    // The setting lived only in the migration's transaction.
    const { rows: setting } = await db.pool.query(
      "SELECT current_setting('taruvi.domain_grace_days', true) AS v",
    );
    expect(setting[0]?.v ?? "").toBe("");
  });

  it("gives 14 days when no grace period is given", async () => {
    const db = await platformWithDomains();
    const started = Date.now();
    await migratePlatform(db.pool, platformSet);
    for (const row of await domainsOf(db)) {
      expect(Math.abs(row.grace_until.getTime() - (started + 14 * DAY_MS))).toBeLessThan(60_000);
    }
  });
});
