import { purgeDeletedSites } from "@taruvi/platform";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganizationWithRoles,
  createSiteAt,
  errorCode,
  refreshAt,
  SITE_FIELDS,
  signedIn,
  signInAt,
  siteMutation,
  startPeerStack,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

const BASE = "taruvi.test";
const RETENTION_DAYS = 7;
let t: TestStack;
let free: Awaited<ReturnType<typeof createOrganizationWithRoles>>;
let big: Awaited<ReturnType<typeof createOrganizationWithRoles>>;

beforeAll(async () => {
  t = await startTestStack({ BASE_DOMAIN: BASE, SITE_RETENTION_DAYS: String(RETENTION_DAYS) });
  free = await createOrganizationWithRoles(t, "FREE");
  big = await createOrganizationWithRoles(t, "ENTERPRISE");
});
afterAll(() => t.close());

const ME = "{ me { id email } }";
const CURRENT_SITE = "{ currentSite { slug } }";
const SITE_BY_SLUG = `query ($slug: String!) { site(slug: $slug) { ${SITE_FIELDS} } }`;
const USERS = "{ users { edges { node { email } } } }";

/** A fresh ACTIVE site of the ENTERPRISE organization (no site limit), made through the gateway by its owner. */
const newSite = async () => {
  const created = await createSiteAt(t, big.tokens.owner, { organizationId: big.organization.id });
  expect(created.res.json.errors).toBeUndefined();
  return created;
};
const siteBySlug = async (slug: string, token: string) =>
  (await t.gql(SITE_BY_SLUG, { token, variables: { slug } })).json.data.site;
const schemaExists = async (siteId: string) =>
  (
    await t.db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [
      `site_${siteId.replaceAll("-", "")}`,
    ])
  ).rowCount === 1;

describe("createSite", () => {
  it("provisions the schema and the first admin: ACTIVE on return, the admin signs in at the site", async () => {
    const slug = randomSlug("site");
    const { res, admin, site } = await createSiteAt(t, big.tokens.owner, {
      organizationId: big.organization.id,
      slug,
      name: "  Acme Shop ",
    });
    expect(res.json.errors).toBeUndefined();
    expect(site).toMatchObject({
      slug,
      name: "Acme Shop",
      status: "ACTIVE",
      organization: { id: big.organization.id },
      domains: [],
      primaryDomain: null,
      defaultHostname: `${slug}.${BASE}`,
      settings: { allowSignup: false },
      deletedAt: null,
    });
    expect(await schemaExists(site.id)).toBe(true);
    const session = await signedIn(t, admin, slug);
    const me = await t.gql(ME, { token: session.accessToken, tenant: slug });
    expect(me.json.data.me.email).toBe(admin.email);
    // The site answers at <slug>.<BASE_DOMAIN> at once.
    expect((await t.gql(CURRENT_SITE, { host: `${slug}.${BASE}` })).json.data).toEqual({
      currentSite: { slug },
    });
    expect(await siteBySlug(slug, big.tokens.member)).toMatchObject({ id: site.id, status: "ACTIVE" });
  });

  it("enforces the plan: FREE allows one site (CONFLICT on plan, nothing written); a deleted one does not count", async () => {
    const first = await createSiteAt(t, free.tokens.owner, { organizationId: free.organization.id });
    expect(first.site.status).toBe("ACTIVE");
    const slug = randomSlug("site");
    const second = await createSiteAt(t, free.tokens.owner, { organizationId: free.organization.id, slug });
    expect(second.res.json.errors[0]).toMatchObject({
      message: "plan: the FREE plan allows 1 site; upgrade to add more",
      extensions: { code: "CONFLICT", field: "plan" },
    });
    expect(await t.db.platform.site.findUnique({ where: { slug } })).toBeNull();

    expect(errorCode(await siteMutation(t, free.tokens.owner, "deleteSite", first.site.id))).toBeUndefined();
    const third = await createSiteAt(t, free.tokens.admin, { organizationId: free.organization.id });
    expect(third.site.status).toBe("ACTIVE");
    // Restoring the deleted one would exceed the plan again.
    const restore = await siteMutation(t, free.tokens.owner, "restoreSite", first.site.id);
    expect(restore.json.errors[0].extensions).toMatchObject({ code: "CONFLICT", field: "plan" });
  });

  it("gives exactly one of two concurrent creates of one slug a CONFLICT", async () => {
    const slug = randomSlug("site");
    const results = await Promise.all(
      [big.tokens.owner, big.tokens.admin].map((token) =>
        createSiteAt(t, token, { organizationId: big.organization.id, slug }),
      ),
    );
    expect(results.filter((r) => r.site?.status === "ACTIVE")).toHaveLength(1);
    const loser = results.find((r) => !r.site);
    expect(loser?.res.json.errors[0]).toMatchObject({ extensions: { code: "CONFLICT", field: "slug" } });
    expect(await t.db.platform.site.count({ where: { slug } })).toBe(1);
  });

  it.each([
    ["slug", 'a"; drop schema platform; --'],
    ["slug", "Acme"],
    ["slug", "api"],
    ["slug", "ab"],
    ["slug", "-abc"],
    ["slug", "ab--cd"],
    ["slug", "bücher"],
    ["slug", `a${"b".repeat(63)}`],
    ["name", "   "],
    ["adminEmail", "not-an-email"],
    ["adminPassword", "short"],
    ["organizationId", "1 OR 1=1"],
  ])("rejects a hostile %s (%j) with BAD_USER_INPUT naming it, and writes nothing", async (field, value) => {
    const before = await t.db.platform.site.count();
    const { res } = await createSiteAt(t, big.tokens.owner, {
      organizationId: big.organization.id,
      [field]: value,
    });
    expect(res.json.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await t.db.platform.site.count()).toBe(before);
  });
});

describe("who may do what", () => {
  it("members read but may not change (FORBIDDEN); outsiders get NOT_FOUND; sign-in required", async () => {
    const { site } = await newSite();
    const member = await createSiteAt(t, big.tokens.member, { organizationId: big.organization.id });
    expect(member.res.json.errors[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    const outsider = await createSiteAt(t, big.tokens.outsider, { organizationId: big.organization.id });
    expect(outsider.res.json.errors[0]).toMatchObject({
      message: "organization not found",
      extensions: { code: "NOT_FOUND" },
    });
    for (const name of ["suspendSite", "deleteSite", "restoreSite", "resumeSite"]) {
      expect(errorCode(await siteMutation(t, big.tokens.member, name, site.id))).toBe("FORBIDDEN");
      expect(errorCode(await siteMutation(t, big.tokens.outsider, name, site.id))).toBe("NOT_FOUND");
    }
    expect(errorCode(await siteMutation(t, undefined, "suspendSite", site.id))).toBe("UNAUTHENTICATED");
    const update = await t.gql('mutation ($id: ID!) { updateSite(id: $id, input: { name: "X" }) { name } }', {
      token: big.tokens.outsider,
      variables: { id: site.id },
    });
    expect(errorCode(update)).toBe("NOT_FOUND");
    expect(await siteBySlug(site.slug, big.tokens.outsider)).toBeNull();
    const org = await t.gql(`{ organization(slug: "${big.organization.slug}") { sites { slug } } }`, {
      token: big.tokens.outsider,
    });
    expect(org.json.data.organization).toBeNull();
    expect(await t.db.platform.site.findUniqueOrThrow({ where: { id: site.id } })).toMatchObject({
      status: "ACTIVE",
    });
  });

  it("a superuser manages any organization's sites; site-scope callers may not manage sites", async () => {
    const { site, admin } = await newSite();
    const root = await t.db.platform.account.create({
      data: { email: `${randomSlug("root")}@example.test`, name: "Root", isSuperuser: true },
    });
    const rootToken = await t.token(root.id, null);
    expect((await siteMutation(t, rootToken, "suspendSite", site.id)).json.data.suspendSite.status).toBe(
      "SUSPENDED",
    );
    expect((await siteMutation(t, rootToken, "resumeSite", site.id)).json.data.resumeSite.status).toBe(
      "ACTIVE",
    );
    const session = await signedIn(t, admin, site.slug);
    const res = await t.gql(`mutation { suspendSite(id: "${site.id}") { status } }`, {
      tenant: site.slug,
      token: session.accessToken,
    });
    expect(errorCode(res)).toBe("FORBIDDEN");
  });
});

describe("updateSite", () => {
  it("renames and turns sign-up on (identity honours it at once), merging settings", async () => {
    const { site } = await newSite();
    const UPDATE = `mutation ($id: ID!, $input: UpdateSiteInput!) { updateSite(id: $id, input: $input) { ${SITE_FIELDS} } }`;
    const signUp = () =>
      t.gql("mutation ($i: SignUpInput!) { signUp(input: $i) { user { id } } }", {
        tenant: site.slug,
        variables: {
          i: { email: `${randomSlug("u")}@example.test`, password: strongPassword(), name: "Sam" },
        },
      });
    expect(errorCode(await signUp())).toBe("FORBIDDEN");
    const on = await t.gql(UPDATE, {
      token: big.tokens.admin,
      variables: { id: site.id, input: { settings: { allowSignup: true } } },
    });
    expect(on.json.data.updateSite).toMatchObject({ name: "New Site", settings: { allowSignup: true } });
    expect((await signUp()).json.errors).toBeUndefined();
    const renamed = await t.gql(UPDATE, {
      token: big.tokens.owner,
      variables: { id: site.id, input: { name: "Renamed" } },
    });
    expect(renamed.json.data.updateSite).toMatchObject({ name: "Renamed", settings: { allowSignup: true } });
    const bad = await t.gql(UPDATE, {
      token: big.tokens.owner,
      variables: { id: site.id, input: { name: "" } },
    });
    expect(bad.json.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    expect(
      errorCode(await t.gql(UPDATE, { token: big.tokens.member, variables: { id: site.id, input: {} } })),
    ).toBe("FORBIDDEN");
  });
});

describe("suspend and resume", () => {
  it("refuses every request to a suspended site at once, live tokens included (403), and resume restores it", async () => {
    const { site, admin } = await newSite();
    const session = await signedIn(t, admin, site.slug);
    expect((await t.gql(ME, { tenant: site.slug, token: session.accessToken })).status).toBe(200);
    // Warm the gateway's tenant cache for both addresses.
    expect((await t.gql(CURRENT_SITE, { host: `${site.slug}.${BASE}` })).status).toBe(200);

    const suspended = await siteMutation(t, big.tokens.admin, "suspendSite", site.id);
    expect(suspended.json.data.suspendSite).toMatchObject({
      status: "SUSPENDED",
      suspendedAt: expect.any(String),
    });
    for (const res of [
      await t.gql(ME, { tenant: site.slug, token: session.accessToken }),
      await t.gql(CURRENT_SITE, { host: `${site.slug}.${BASE}` }),
      await t.gql(CURRENT_SITE, { tenant: site.slug }),
      await refreshAt(t, session.refreshToken, site.slug),
      await signInAt(t, admin, site.slug),
    ]) {
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("TENANT_SUSPENDED");
    }
    // Only valid transitions.
    expect((await siteMutation(t, big.tokens.admin, "suspendSite", site.id)).json.errors[0]).toMatchObject({
      extensions: { code: "CONFLICT", field: "status" },
    });
    expect(await siteBySlug(site.slug, big.tokens.member)).toMatchObject({ status: "SUSPENDED" });

    const resumed = await siteMutation(t, big.tokens.admin, "resumeSite", site.id);
    expect(resumed.json.data.resumeSite).toMatchObject({ status: "ACTIVE", suspendedAt: null });
    const me = await t.gql(ME, { tenant: site.slug, token: session.accessToken });
    expect(me.json.data.me.email).toBe(admin.email);
    expect(errorCode(await siteMutation(t, big.tokens.admin, "resumeSite", site.id))).toBe("CONFLICT");
  });

  it("is enforced by every gateway within 1 s (peers over Redis)", async () => {
    const redisUrl = "redis://127.0.0.1:6379";
    const a = await startTestStack({ BASE_DOMAIN: BASE }, { redisUrl, worker: false });
    const b = await startPeerStack(a, { BASE_DOMAIN: BASE }, { worker: false });
    try {
      const org = await createOrganizationWithRoles(a, "PRO");
      const { site } = await createSiteAt(a, org.tokens.owner, { organizationId: org.organization.id });
      expect((await b.gql(CURRENT_SITE, { tenant: site.slug })).status).toBe(200);
      await siteMutation(a, org.tokens.owner, "suspendSite", site.id);
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < 1000 && status !== 403) {
        status = (await b.gql(CURRENT_SITE, { tenant: site.slug })).status;
      }
      expect(status).toBe(403);
      await siteMutation(a, org.tokens.owner, "resumeSite", site.id);
      const resumed = Date.now();
      while (Date.now() - resumed < 1000 && status !== 200) {
        status = (await b.gql(CURRENT_SITE, { tenant: site.slug })).status;
      }
      expect(status).toBe(200);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe("delete, restore and purge", () => {
  it("makes a deleted site unreachable and restores it whole", async () => {
    const { site, admin } = await newSite();
    const session = await signedIn(t, admin, site.slug);
    const extra = {
      email: `${randomSlug("kept")}@example.test`,
      password: strongPassword(),
      name: "Kept User",
    };
    const created = await t.gql("mutation ($i: CreateUserInput!) { createUser(input: $i) { id } }", {
      tenant: site.slug,
      token: session.accessToken,
      variables: { i: extra },
    });
    expect(created.json.errors).toBeUndefined();

    const deleted = await siteMutation(t, big.tokens.admin, "deleteSite", site.id);
    expect(deleted.json.data.deleteSite).toMatchObject({ status: "DELETED", deletedAt: expect.any(String) });
    const until = Date.parse(deleted.json.data.deleteSite.restorableUntil);
    expect(until - Date.parse(deleted.json.data.deleteSite.deletedAt)).toBe(RETENTION_DAYS * 86_400_000);
    for (const res of [
      await t.gql(USERS, { tenant: site.slug, token: session.accessToken }),
      await t.gql(CURRENT_SITE, { host: `${site.slug}.${BASE}` }),
      await signInAt(t, admin, site.slug),
    ]) {
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("TENANT_SUSPENDED");
    }
    // Visible to those who may restore it, hidden from members; gone from the organization's list.
    expect(await siteBySlug(site.slug, big.tokens.owner)).toMatchObject({ status: "DELETED" });
    expect(await siteBySlug(site.slug, big.tokens.member)).toBeNull();
    const list = await t.gql(`{ organization(slug: "${big.organization.slug}") { sites { slug } } }`, {
      token: big.tokens.owner,
    });
    expect(list.json.data.organization.sites.map((s: { slug: string }) => s.slug)).not.toContain(site.slug);
    expect(errorCode(await siteMutation(t, big.tokens.admin, "suspendSite", site.id))).toBe("CONFLICT");
    expect(errorCode(await siteMutation(t, big.tokens.admin, "deleteSite", site.id))).toBe("CONFLICT");

    const restored = await siteMutation(t, big.tokens.owner, "restoreSite", site.id);
    expect(restored.json.data.restoreSite).toMatchObject({ status: "ACTIVE", deletedAt: null });
    const again = await signedIn(t, admin, site.slug);
    const users = await t.gql(USERS, { tenant: site.slug, token: again.accessToken });
    expect(users.json.data.users.edges.map((e: { node: { email: string } }) => e.node.email).sort()).toEqual(
      [admin.email, extra.email].sort(),
    );
    expect(errorCode(await siteMutation(t, big.tokens.owner, "restoreSite", site.id))).toBe("CONFLICT");
  });

  it("refuses a restore after retention; the purge job drops the schema and frees the slug", async () => {
    const { site } = await newSite();
    await siteMutation(t, big.tokens.owner, "deleteSite", site.id);
    await t.db.platform.site.update({
      where: { id: site.id },
      data: { deletedAt: new Date(Date.now() - (RETENTION_DAYS + 1) * 86_400_000) },
    });
    const late = await siteMutation(t, big.tokens.owner, "restoreSite", site.id);
    expect(late.json.errors[0]).toMatchObject({ extensions: { code: "CONFLICT", field: "status" } });
    expect(late.json.errors[0].message).toContain(`more than ${RETENTION_DAYS} days ago`);

    // The worker's scheduled job, run now (it is hourly).
    const jobs = t.stack.scheduledJobs;
    if (!jobs) throw new Error("the stack runs its worker");
    await jobs.runNow("sites.purge");
    const deadline = Date.now() + 15_000;
    while (await t.db.platform.site.findUnique({ where: { id: site.id } })) {
      if (Date.now() > deadline) throw new Error("the purge job did not run");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await schemaExists(site.id)).toBe(false);
    expect(errorCode(await t.gql(CURRENT_SITE, { tenant: site.slug }))).toBe("TENANT_NOT_FOUND");
    expect(errorCode(await siteMutation(t, big.tokens.owner, "restoreSite", site.id))).toBe("NOT_FOUND");

    // The slug is free again, and the new site answers at once.
    const reused = await createSiteAt(t, big.tokens.owner, {
      organizationId: big.organization.id,
      slug: site.slug,
    });
    expect(reused.site).toMatchObject({ slug: site.slug, status: "ACTIVE" });
    expect(reused.site.id).not.toBe(site.id);
    expect((await t.gql(CURRENT_SITE, { tenant: site.slug })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
    // Idempotent: nothing else was past retention.
    expect((await purgeDeletedSites(t.db.pool, { retentionDays: RETENTION_DAYS })).failed).toEqual([]);
  });
});
