import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createTenantClient, poolStats, type TenantClient } from "@taruvi/db";
import { createSite, defaultMigrationsDirs, loadMigrations, type ProvisionedSite } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantClientCache } from "../src/index";

const set = loadMigrations(defaultMigrationsDirs.tenant);

/** A full garbage collection (`gc` exposed at run time, as bench/tenancy does). */
const collectGarbage = (() => {
  let gc: (() => void) | null = null;
  return async (): Promise<void> => {
    if (!gc) {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    }
    // FinalizationRegistry callbacks and wasm-bindgen's frees run after a turn of the event loop.
    for (let i = 0; i < 3; i += 1) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
})();
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

  it("findUnique calls for two sites in the same tick (which Prisma batches) each see only their own site", async () => {
    // Decision 0001's hazard: Prisma merges findUnique calls made in the same tick into one query.
    // Two sites' clients must never end up in one such batch, whatever they share underneath.
    const cache = createTenantClientCache({ pool: db.pool, max: 10 });
    const [a, b] = sites as [ProvisionedSite, ProvisionedSite];
    const siteA = cache.forSite(a.id);
    const siteB = cache.forSite(b.id);
    const alice = await siteA.user.create({ data: { email: "tick@example.test", name: "Ann of A" } });
    const bob = await siteB.user.create({ data: { email: "tick@example.test", name: "Ben of B" } });

    const calls = [
      siteA.user.findUnique({ where: { id: alice.id } }),
      siteB.user.findUnique({ where: { id: alice.id } }),
      siteA.user.findUnique({ where: { id: bob.id } }),
      siteB.user.findUnique({ where: { id: bob.id } }),
    ];
    const [aliceInA, aliceInB, bobInA, bobInB] = await Promise.all(calls);
    expect(aliceInA?.name).toBe("Ann of A");
    expect(aliceInB).toBeNull();
    expect(bobInA).toBeNull();
    expect(bobInB?.name).toBe("Ben of B");
    await siteA.user.delete({ where: { id: alice.id } });
    await siteB.user.delete({ where: { id: bob.id } });
    await cache.close();
  });

  it("a tenant client costs well under 1 MB of JS heap (Prisma's parameterization graph is shared)", async () => {
    // Unpatched, Prisma 7.10 deserializes the generated parameterization graph again in every
    // PrismaClient: ~1 MB of JS heap per client, most of the memory of a process touching
    // thousands of sites (patches/@prisma+client+7.10.0.patch, decision 0026).
    const clients: TenantClient[] = [];
    await createTenantClient(db.pool, (sites[0] as ProvisionedSite).schemaName).$disconnect();
    await collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i += 1) {
      const client = createTenantClient(db.pool, (sites[i % sites.length] as ProvisionedSite).schemaName);
      await client.user.count();
      clients.push(client);
    }
    await collectGarbage();
    const perClient = (process.memoryUsage().heapUsed - before) / clients.length;
    await Promise.all(clients.map((client) => client.$disconnect()));
    expect(perClient).toBeLessThan(256 * 1024);
  });

  it("releases evicted clients: after a GC they are gone from memory, only `max` remain", async () => {
    const released = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => released.add(label));
    let built = 0;
    const cache = createTenantClientCache({
      pool: db.pool,
      max: 2,
      create: (pool, schema) => {
        const client = createTenantClient(pool, schema);
        built += 1;
        registry.register(client, `${schema}#${built}`);
        return client;
      },
    });
    for (let round = 0; round < 4; round += 1) {
      for (const site of sites) await cache.forSite(site.id).user.count();
    }
    expect(built).toBe(4 * sites.length);
    expect(cache.evictions).toBe(built - 2);
    // The last evictions' $disconnect may still be settling: collect until they are all gone.
    for (let waited = 0; released.size < cache.evictions && waited < 5_000; waited += 50) {
      await collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Every evicted client was collected (nothing kept it alive: no pool listener, no cache).
    expect(released.size).toBe(cache.evictions);
    await cache.close();
  });

  it("refuses a schema name that is not a site schema", () => {
    const cache = createTenantClientCache({ pool: db.pool, max: 2 });
    expect(() => cache.forSchema('site_x"; DROP SCHEMA platform; --')).toThrow(/invalid site schema name/);
    expect(() => cache.forSchema("platform")).toThrow(/invalid site schema name/);
    expect(() => cache.forSite("not-a-uuid")).toThrow(/is not a UUID/);
  });
});
