import { createSite, defaultMigrationsDirs, loadMigrations } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeDeletedSites } from "../src/index";

const tenantSet = loadMigrations(defaultMigrationsDirs.tenant);
let db: TestDatabase;

const schemaExists = async (schema: string) =>
  (await db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;
const newOrganization = async () => (await createTestOrganization(db.platform)).organization.id;
const create = (organizationId: string, maxSites?: number | null, slug = randomSlug("s")) =>
  createSite(db.pool, { organizationId, slug, name: "Site" }, { sets: [tenantSet], maxSites });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { code?: string; field?: string; message?: string }) => error,
  );

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe("the plan's site limit (maxSites)", () => {
  it("refuses the site beyond the limit with CONFLICT on plan; deleted sites do not count", async () => {
    const organizationId = await newOrganization();
    const first = await create(organizationId, 1);
    expect(await errorOf(create(organizationId, 1))).toMatchObject({
      code: "CONFLICT",
      field: "plan",
      message: "plan: the FREE plan allows 1 site; upgrade to add more",
    });
    await db.platform.site.update({
      where: { id: first.id },
      data: { status: "DELETED", deletedAt: new Date() },
    });
    expect((await create(organizationId, 1)).status).toBe("ACTIVE");
    // No limit (null) or a larger one: allowed.
    expect((await create(organizationId, null)).status).toBe("ACTIVE");
    expect((await create(organizationId, 3)).status).toBe("ACTIVE");
  });

  it("holds under concurrency: of five creates at a limit of 2, exactly two succeed", async () => {
    const organizationId = await newOrganization();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => create(organizationId, 2)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT", field: "plan" });
    }
    expect(await db.platform.site.count({ where: { organizationId } })).toBe(2);
  });

  it("gives the loser of two concurrent creates of one slug CONFLICT on slug", async () => {
    const organizationId = await newOrganization();
    const slug = randomSlug("s");
    const results = await Promise.allSettled([
      create(organizationId, 5, slug),
      create(organizationId, 5, slug),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: "CONFLICT", field: "slug" });
  });
});

describe("purgeDeletedSites", () => {
  it("drops the schema and the row of sites deleted before the retention period, and nothing else", async () => {
    const organizationId = await newOrganization();
    const now = new Date();
    const old = await create(organizationId);
    const recent = await create(organizationId);
    const live = await create(organizationId);
    await db.platform.domain.create({
      data: { siteId: old.id, hostname: `${randomSlug("d")}.example.test`, verificationToken: "t" },
    });
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    await db.platform.site.update({
      where: { id: old.id },
      data: { status: "DELETED", deletedAt: daysAgo(31) },
    });
    await db.platform.site.update({
      where: { id: recent.id },
      data: { status: "DELETED", deletedAt: daysAgo(29) },
    });

    const dry = await purgeDeletedSites(db.pool, { retentionDays: 30, now, dryRun: true });
    expect(dry.purged).toContain(old.slug);
    expect(await schemaExists(old.schemaName)).toBe(true);

    const report = await purgeDeletedSites(db.pool, { retentionDays: 30, now });
    expect(report.purged).toContain(old.slug);
    expect(report.purged).not.toContain(recent.slug);
    expect(report.purged).not.toContain(live.slug);
    expect(report.sites.find((s) => s.slug === old.slug)?.hostnames).toHaveLength(1);
    expect(report.failed).toEqual([]);
    expect(await schemaExists(old.schemaName)).toBe(false);
    expect(await db.platform.site.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await db.platform.domain.count({ where: { siteId: old.id } })).toBe(0);
    expect(await schemaExists(recent.schemaName)).toBe(true);
    expect(await schemaExists(live.schemaName)).toBe(true);

    // The slug is free again; a second run finds nothing more.
    expect((await create(organizationId, null, old.slug)).status).toBe("ACTIVE");
    expect((await purgeDeletedSites(db.pool, { retentionDays: 30, now })).purged).not.toContain(old.slug);
    // With retention 0, every deleted site goes.
    expect((await purgeDeletedSites(db.pool, { retentionDays: 0 })).purged).toContain(recent.slug);
    expect(await schemaExists(recent.schemaName)).toBe(false);
  });
});
