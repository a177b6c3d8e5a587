import { poolStats } from "@taruvi/db";
import { createSite, defaultMigrationsDirs, loadMigrations, type ProvisionedSite } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantClientCache } from "../src/index";

const set = loadMigrations(defaultMigrationsDirs.tenant);
let db: TestDatabase;
let sites: ProvisionedSite[];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  const { organization } = await createTestOrganization(db.platform);
  sites = [];
  for (let i = 0; i < 5; i += 1) {
    sites.push(
      await createSite(
        db.pool,
        { organizationId: organization.id, slug: randomSlug("c"), name: `S${i}` },
        { sets: [set] },
      ),
    );
  }
});
afterAll(() => db.drop());

describe("tenant-bound clients", () => {
  it("a client bound to site A never reads or writes site B's rows", async () => {
    const cache = createTenantClientCache({ pool: db.pool, max: 10 });
    const [a, b] = sites as [ProvisionedSite, ProvisionedSite];
    const siteA = cache.forSite(a.id);
    const siteB = cache.forSite(b.id);
    const alice = await siteA.user.create({ data: { email: "same@example.test", name: "Alice of A" } });
    const bob = await siteB.user.create({ data: { email: "same@example.test", name: "Bob of B" } });

    expect((await siteA.user.findMany()).map((u) => u.name)).toEqual(["Alice of A"]);
    expect((await siteB.user.findMany()).map((u) => u.name)).toEqual(["Bob of B"]);
    expect(await siteA.user.findUnique({ where: { id: bob.id } })).toBeNull();
    const updated = await siteA.user.updateMany({ where: { id: bob.id }, data: { name: "hijacked" } });
    expect(updated.count).toBe(0);
    expect((await siteB.user.findUniqueOrThrow({ where: { id: bob.id } })).name).toBe("Bob of B");
    expect(alice.id).not.toBe(bob.id);
    await cache.close();
  });

  it("does not depend on a search_path set on the shared connection", async () => {
    const cache = createTenantClientCache({ pool: db.pool, max: 10 });
    const [a, b] = sites as [ProvisionedSite, ProvisionedSite];
    // Poison every pooled connection's session search_path with site B.
    const held = await Promise.all([
      db.pool.connect(),
      db.pool.connect(),
      db.pool.connect(),
      db.pool.connect(),
    ]);
    for (const client of held) await client.query(`SET search_path TO "${b.schemaName}"`);
    for (const client of held) client.release();
    expect((await cache.forSite(a.id).user.findMany()).map((u) => u.name)).toEqual(["Alice of A"]);
    for (const client of await Promise.all([
      db.pool.connect(),
      db.pool.connect(),
      db.pool.connect(),
      db.pool.connect(),
    ])) {
      await client.query("RESET search_path");
      client.release();
    }
    await cache.close();
  });

  it("keeps at most `max` clients, releasing the least recently used, within the pool's connections", async () => {
    const cache = createTenantClientCache({ pool: db.pool, max: 2 });
    const [s0, s1, s2, s3, s4] = sites as ProvisionedSite[] as [
      ProvisionedSite,
      ProvisionedSite,
      ProvisionedSite,
      ProvisionedSite,
      ProvisionedSite,
    ];
    const first = cache.forSite(s0.id);
    await first.user.count();
    for (const site of [s1, s2, s3, s4]) await cache.forSite(site.id).user.count();
    expect(cache.size).toBe(2);
    expect(cache.evictions).toBe(3);

    // The evicted client was released; asking again builds a fresh one that still works.
    const again = cache.forSite(s0.id);
    expect(again).not.toBe(first);
    expect(await again.user.count()).toBe(1);
    expect(cache.forSite(s0.id)).toBe(again);

    await Promise.all(sites.map((site) => cache.forSite(site.id).user.count()));
    const stats = poolStats(db.pool);
    expect(stats.total).toBeLessThanOrEqual(stats.max);
    await cache.close();
    expect(cache.size).toBe(0);
  });

  it("refuses a schema name that is not a site schema", () => {
    const cache = createTenantClientCache({ pool: db.pool, max: 2 });
    expect(() => cache.forSchema('site_x"; DROP SCHEMA platform; --')).toThrow(/invalid site schema name/);
    expect(() => cache.forSchema("platform")).toThrow(/invalid site schema name/);
    expect(() => cache.forSite("not-a-uuid")).toThrow(/is not a UUID/);
  });
});
