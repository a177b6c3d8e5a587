import { createTestAccount, randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteAt,
  errorOf,
  type HttpResult,
  signedInAccount,
  siteMutation,
  startTestStack,
  type TestStack,
} from "./helpers";

// What one account may own, across its organizations (MAX_ORGANIZATIONS_PER_ACCOUNT,
// MAX_FREE_SITES_PER_ACCOUNT): without a cap one account made organization after organization,
// each FREE one with a site (a whole schema). Superusers are exempt.

const MAX_ORGANIZATIONS = 2;
const MAX_FREE_SITES = 2;
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({
    MAX_ORGANIZATIONS_PER_ACCOUNT: String(MAX_ORGANIZATIONS),
    MAX_FREE_SITES_PER_ACCOUNT: String(MAX_FREE_SITES),
  });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof signedInAccount>>;

const CREATE_ORG =
  "mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug plan } }";

const createOrganization = (who: Account, slug = randomSlug("org"), name = "Capped Co") =>
  t.gql(CREATE_ORG, { token: who.token, variables: { input: { name, slug } } });

const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

/** Organizations the account OWNs, as stored. */
const owned = (accountId: string) =>
  t.db.platform.organizationMember.count({ where: { accountId, role: "OWNER" } });

/** An organization (made directly, like an older one or a superuser's doing) with `owner` as OWNER. */
const organizationOf = (ownerId: string, plan: "FREE" | "PRO" = "FREE") =>
  t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Owned Co",
      plan,
      members: { create: { accountId: ownerId, role: "OWNER" } },
    },
  });

const planConflict = {
  code: "CONFLICT",
  field: "plan",
};

describe("organizations one account may own", () => {
  it("refuses one more than MAX_ORGANIZATIONS_PER_ACCOUNT with CONFLICT on plan, writing nothing", async () => {
    const owner = await signedInAccount(t);
    for (let i = 0; i < MAX_ORGANIZATIONS; i++) ok(await createOrganization(owner));

    const slug = randomSlug("org");
    const refused = await createOrganization(owner, slug);
    expect(errorOf(refused)).toMatchObject(planConflict);
    expect(errorOf(refused)?.message).toBe(
      "plan: one account may own at most 2 organizations, and this one owns 2",
    );
    expect(refused.json.data).toBeNull();
    expect(await t.db.platform.organization.count({ where: { slug } })).toBe(0);
    expect(await owned(owner.id)).toBe(MAX_ORGANIZATIONS);
    const events = await t.db.platform.auditEvent.count({
      where: { action: "organization.created", actorId: owner.id },
    });
    expect(events).toBe(MAX_ORGANIZATIONS);
  });

  it("counts only organizations the account owns: memberships with another role do not", async () => {
    const account = await signedInAccount(t);
    for (let i = 0; i < 3; i++) {
      const other = await organizationOf((await createTestAccount(t.db.platform)).id);
      await t.db.platform.organizationMember.create({
        data: { organizationId: other.id, accountId: account.id, role: "ADMIN" },
      });
    }
    for (let i = 0; i < MAX_ORGANIZATIONS; i++) ok(await createOrganization(account));
    expect(errorOf(await createOrganization(account))).toMatchObject(planConflict);
  });

  it("lets only one of concurrent creates take the last place", async () => {
    const owner = await signedInAccount(t);
    for (let i = 0; i < MAX_ORGANIZATIONS - 1; i++) ok(await createOrganization(owner));
    // Each insert of this test's organizations takes 300 ms more, so the concurrent creates are
    // all between their check and their commit at once: only a lock keeps them from all counting
    // the same organizations.
    await t.db.pool.query(`
      CREATE FUNCTION platform.slow_test_insert() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;
      CREATE TRIGGER slow_test_insert BEFORE INSERT ON platform.organizations
        FOR EACH ROW WHEN (NEW.name = 'Slow Co') EXECUTE FUNCTION platform.slow_test_insert();`);
    try {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => createOrganization(owner, randomSlug("org"), "Slow Co")),
      );
      const created = results.filter((res) => res.json.data?.createOrganization);
      const refused = results.filter((res) => errorOf(res)?.code === "CONFLICT");
      expect(created).toHaveLength(1);
      expect(refused).toHaveLength(3);
      for (const res of refused) expect(errorOf(res)).toMatchObject(planConflict);
      expect(await owned(owner.id)).toBe(MAX_ORGANIZATIONS);
    } finally {
      await t.db.pool.query(`DROP TRIGGER slow_test_insert ON platform.organizations;
        DROP FUNCTION platform.slow_test_insert();`);
    }
  });

  it("does not hold a superuser", async () => {
    const superuser = await signedInAccount(t, { isSuperuser: true });
    for (let i = 0; i < MAX_ORGANIZATIONS + 2; i++) ok(await createOrganization(superuser));
    expect(await owned(superuser.id)).toBe(MAX_ORGANIZATIONS + 2);
  });
});

describe("sites one account may have across the FREE organizations it owns", () => {
  /** An owner (signed in) of three FREE organizations. */
  const ownerOfThree = async () => {
    const owner = await signedInAccount(t);
    const organizations = [];
    for (let i = 0; i < 3; i++) organizations.push(await organizationOf(owner.id));
    return { owner, organizations: organizations as [(typeof organizations)[0], ...typeof organizations] };
  };
  const siteIn = (token: string, organizationId: string, slug = randomSlug("site")) =>
    createSiteAt(t, token, { organizationId, slug });
  const liveSites = (organizationIds: string[]) =>
    t.db.platform.site.count({
      where: { organizationId: { in: organizationIds }, status: { not: "DELETED" } },
    });
  const siteSchemas = async () =>
    Number(
      (await t.db.pool.query("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'site\\_%'")).rows[0]
        .count,
    );

  it("refuses one more than MAX_FREE_SITES_PER_ACCOUNT with CONFLICT on plan: no row, no schema", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b, c] = organizations.map((o) => o.id) as [string, string, string];
    expect((await siteIn(owner.token, a)).site).toMatchObject({ status: "ACTIVE" });
    expect((await siteIn(owner.token, b)).site).toMatchObject({ status: "ACTIVE" });

    const schemas = await siteSchemas();
    const slug = randomSlug("site");
    const { res, site } = await siteIn(owner.token, c, slug);
    expect(site).toBeNull();
    expect(errorOf(res)).toMatchObject(planConflict);
    expect(errorOf(res)?.message).toBe(
      "plan: one account may have at most 2 sites across the FREE organizations it owns, " +
        "and an owner of this organization has 2; upgrade this organization to add more",
    );
    expect(await t.db.platform.site.count({ where: { slug } })).toBe(0);
    expect(await siteSchemas()).toBe(schemas);
    expect(await liveSites([a, b, c])).toBe(2);
  });

  it("counts the owners of the organization, whoever creates the site (an admin too)", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b, c] = organizations.map((o) => o.id) as [string, string, string];
    ok((await siteIn(owner.token, a)).res);
    ok((await siteIn(owner.token, b)).res);
    const admin = await signedInAccount(t);
    await t.db.platform.organizationMember.create({
      data: { organizationId: c, accountId: admin.id, role: "ADMIN" },
    });
    expect(errorOf((await siteIn(admin.token, c)).res)).toMatchObject(planConflict);
  });

  it("leaves paid organizations out: their sites do not count, and they are not held", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b] = organizations.map((o) => o.id) as [string, string, string];
    const pro = await organizationOf(owner.id, "PRO");
    for (let i = 0; i < 2; i++) ok((await siteIn(owner.token, pro.id)).res);
    ok((await siteIn(owner.token, a)).res);
    ok((await siteIn(owner.token, b)).res);
    ok((await siteIn(owner.token, pro.id)).res);
  });

  it("lets a superuser create a site in the organization of an owner at the cap", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b, c] = organizations.map((o) => o.id) as [string, string, string];
    ok((await siteIn(owner.token, a)).res);
    ok((await siteIn(owner.token, b)).res);
    const superuser = await signedInAccount(t, { isSuperuser: true });
    expect((await siteIn(superuser.token, c)).site).toMatchObject({ status: "ACTIVE" });
  });

  it("lets only one of concurrent creates in different organizations of one owner take the last place", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b, c] = organizations.map((o) => o.id) as [string, string, string];
    ok((await siteIn(owner.token, a)).res);
    const results = await Promise.all([siteIn(owner.token, b), siteIn(owner.token, c)]);
    expect(results.filter((r) => r.site !== null)).toHaveLength(1);
    expect(errorOf(results.find((r) => r.site === null)?.res as HttpResult)).toMatchObject(planConflict);
    expect(await liveSites([a, b, c])).toBe(MAX_FREE_SITES);
  });

  it("refuses to restore a deleted site past the cap (a delete and a create do not get around it)", async () => {
    const { owner, organizations } = await ownerOfThree();
    const [a, b, c] = organizations.map((o) => o.id) as [string, string, string];
    const first = (await siteIn(owner.token, a)).site;
    ok((await siteIn(owner.token, b)).res);
    ok(await siteMutation(t, owner.token, "deleteSite", first.id));
    ok((await siteIn(owner.token, c)).res);

    const restore = await siteMutation(t, owner.token, "restoreSite", first.id);
    expect(errorOf(restore)).toMatchObject(planConflict);
    expect((await t.db.platform.site.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("DELETED");
  });
});
