import { randomUUID } from "node:crypto";
import type { TenantRef } from "@taruvi/auth";
import type { QueryConfigExecutor, TenantClient } from "@taruvi/db";
import { createSite, defaultMigrationsDirs, loadMigrations } from "@taruvi/migrator";
import { createScopedSql } from "@taruvi/subgraph-kit";
import { createTenantClientCache, type TenantClientCache } from "@taruvi/tenancy";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSiteUser, getSiteUserIn } from "../src/domain/users/find-users";
import { findUserViews, findUserViewsById, type UserView } from "../src/domain/users/user-views";
import { createLoaders } from "../src/loaders";

// The reads by id through node-postgres (ctx.sql, decision 0027) against the Prisma reads they
// replaced, on the real database: the same objects, and never another site's rows.

let db: TestDatabase;
let tenants: TenantClientCache<TenantClient>;
let siteA: TenantRef;
let siteB: TenantRef;
/** Every statement ctx.sql sent, by the contexts built below. */
const sent: string[] = [];
const recording = (): QueryConfigExecutor => ({
  query: (config) => {
    sent.push(config.text);
    return db.pool.query(config);
  },
});

/** A request's context as the kit builds it, for `tenant` (null: the platform scope). */
const contextOf = (tenant: TenantRef | null) => {
  const ctx = {
    tenant,
    platform: db.platform,
    db: tenant ? tenants.forSchema(tenant.schema) : (null as unknown as TenantClient),
    sql: createScopedSql(recording(), tenant),
  };
  return { ...ctx, loaders: createLoaders(ctx as never) };
};

const byId = (views: UserView[]) => [...views].sort((a, b) => a.id.localeCompare(b.id));

/** The same id in both sites, with different rows: what a read of one site must never see of the other. */
const sharedId = randomUUID();
const siteUsers: Record<"a" | "b", string[]> = { a: [], b: [] };
const accounts: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  tenants = createTenantClientCache({ pool: db.pool, max: 4 });
  const { organization } = await createTestOrganization(db.platform);
  const set = loadMigrations(defaultMigrationsDirs.tenant);
  const [a, b] = await Promise.all(
    ["a", "b"].map((n) =>
      createSite(db.pool, { organizationId: organization.id, slug: randomSlug(n), name: n }, { sets: [set] }),
    ),
  );
  if (!a || !b) throw new Error("sites not created");
  siteA = { siteId: a.id, slug: a.slug, schema: a.schemaName };
  siteB = { siteId: b.id, slug: b.slug, schema: b.schemaName };
  for (const [key, site] of [
    ["a", siteA],
    ["b", siteB],
  ] as const) {
    const users = tenants.forSchema(site.schema).user;
    const made = [
      // Same id, same email in both sites; never verified (emailVerifiedAt null).
      await users.create({ data: { id: sharedId, email: "same@example.test", name: `Shared of ${key}` } }),
      await users.create({
        data: {
          email: `admin-${key}@example.test`,
          name: "Admin",
          isAdmin: true,
          emailVerifiedAt: new Date(),
        },
      }),
      await users.create({
        data: { email: `gone-${key}@example.test`, name: "Gone", isActive: false, passwordHash: "x" },
      }),
    ];
    siteUsers[key] = made.map((u) => u.id);
  }
  const platform = db.platform.account;
  accounts.push(
    (await platform.create({ data: { email: `${randomSlug("acct")}@example.test`, name: "Plain" } })).id,
    (
      await platform.create({
        data: {
          email: `${randomSlug("su")}@example.test`,
          name: "Super",
          isSuperuser: true,
          emailVerifiedAt: new Date(),
        },
      })
    ).id,
    (
      await platform.create({
        data: { email: `${randomSlug("off")}@example.test`, name: "Off", isActive: false },
      })
    ).id,
  );
});
afterAll(async () => {
  await tenants?.close();
  await db?.drop();
});

describe("reads by id through node-postgres", () => {
  it("site scope: the loader's read answers exactly what Prisma's did (Dates, flags, nulls)", async () => {
    const ctx = contextOf(siteA);
    const ids = [...siteUsers.a, randomUUID()];
    const pg = byId(await findUserViewsById(ctx, ids));
    const prisma = byId(await findUserViews(ctx, { id: { in: ids } }));
    expect(pg).toStrictEqual(prisma);
    // The cases that matter are there: inactive, never verified, admin and verified.
    expect(pg).toHaveLength(3);
    expect(pg.map((u) => [u.name, u.isActive, u.isAdmin, u.emailVerified])).toEqual(
      expect.arrayContaining([
        ["Shared of a", true, false, false],
        ["Admin", true, true, true],
        ["Gone", false, false, false],
      ]),
    );
    for (const user of pg) expect(user.createdAt).toBeInstanceOf(Date);
  });

  it("site scope: getSiteUser answers what the transaction's read (Prisma) does", async () => {
    const ctx = contextOf(siteA);
    for (const id of siteUsers.a) {
      expect(await getSiteUser(ctx, id)).toStrictEqual(await getSiteUserIn(ctx.db, id));
    }
    await expect(getSiteUser(ctx, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getSiteUser(ctx, "not-a-uuid")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("platform scope: accounts as Prisma read them (isAdmin is a superuser)", async () => {
    const ctx = contextOf(null);
    const pg = byId(await findUserViewsById(ctx, accounts));
    const prisma = byId(await findUserViews(ctx, { id: { in: accounts } }));
    expect(pg).toStrictEqual(prisma);
    expect(pg.map((u) => [u.name, u.isActive, u.isAdmin, u.emailVerified])).toEqual(
      expect.arrayContaining([
        ["Plain", true, false, false],
        ["Super", true, true, true],
        ["Off", false, false, false],
      ]),
    );
    // A site user's id is no account, and no site read runs on the platform.
    expect(await ctx.loaders.userById.load(sharedId)).toBeNull();
    await expect(getSiteUser(ctx, sharedId)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("site A never sees site B's user, even with the same id", async () => {
    const [a, b] = [contextOf(siteA), contextOf(siteB)];
    expect((await a.loaders.userById.load(sharedId))?.name).toBe("Shared of a");
    expect((await b.loaders.userById.load(sharedId))?.name).toBe("Shared of b");
    expect((await getSiteUser(a, sharedId)).name).toBe("Shared of a");
    for (const id of siteUsers.b.slice(1)) {
      expect(await a.loaders.userById.load(id)).toBeNull();
      await expect(getSiteUser(a, id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
  });

  it("one statement per request's batch, naming its own site's schema only (no UNION)", async () => {
    const [a, b] = [contextOf(siteA), contextOf(siteB)];
    sent.length = 0;
    // Both requests' loads in the same tick: each loader batches its own, in its own schema.
    const [fromA, fromB] = await Promise.all([
      a.loaders.userById.loadMany([...siteUsers.a, ...siteUsers.b]),
      b.loaders.userById.loadMany([...siteUsers.b, ...siteUsers.a]),
    ]);
    expect(sent).toHaveLength(2);
    const toA = sent.filter((text) => text.includes(`"${siteA.schema}".users`));
    const toB = sent.filter((text) => text.includes(`"${siteB.schema}".users`));
    expect([toA.length, toB.length]).toEqual([1, 1]);
    expect(toA[0]).not.toContain(siteB.schema);
    expect(toB[0]).not.toContain(siteA.schema);
    for (const text of sent) expect(text).not.toMatch(/union/i);
    // Each sees its own three users and, for the other site's ids, nothing but the shared id's own row.
    const names = (views: typeof fromA) =>
      views.map((v) => (v instanceof Error ? "error" : (v?.name ?? null)));
    expect(names(fromA)).toEqual(["Shared of a", "Admin", "Gone", "Shared of a", null, null]);
    expect(names(fromB)).toEqual(["Shared of b", "Admin", "Gone", "Shared of b", null, null]);
  });
});
