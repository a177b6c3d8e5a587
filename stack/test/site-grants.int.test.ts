import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessChangedDirectly, apiKeyDirectly, siteUser } from "./fixtures";
import {
  createSiteWithAdmin,
  errorOf,
  type HttpResult,
  signedIn,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";
import {
  accountWithToken,
  allEventsOf,
  grantOn,
  platformEventsOf,
  siteEventsOf,
  tagged,
} from "./sites-helpers";

// Grants on one site (access_site ⊂ manage_site_users ⊂ admin_site) and on an organization
// (manage_sites), createSiteUser from the platform scope, and updateSiteSettings from the site's
// own scope (settings.manage), through the real gateway.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof accountWithToken>>;

const SITE_BY_SLUG = "query ($slug: String!) { site(slug: $slug) { id slug status organization { name } } }";
const UPDATE = 'mutation ($id: ID!) { updateSite(id: $id, input: { name: "Changed" }) { name } }';
const status = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { id status } }`;
const ADD = "mutation ($input: AddDomainInput!) { addDomain(input: $input) { id hostname } }";
const CREATE_USER = `mutation ($input: CreateSiteUserInput!) {
  createSiteUser(input: $input) { id email name isAdmin siteId } }`;
const CREATE_SITE = "mutation ($input: CreateSiteInput!) { createSite(input: $input) { id status } }";
const SETTINGS = `mutation ($input: SiteSettingsInput!) {
  updateSiteSettings(input: $input) { id settings { allowSignup } } }`;

const as = (who: Account | null, query: string, variables: unknown = {}) =>
  tagged(t, query, { variables, ...(who ? { token: who.token } : {}) });
const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};
const codeOf = (res: HttpResult) => errorOf(res)?.code;

/** An ENTERPRISE organization with an owner, an admin and a member, and one site with its first admin. */
const world = async () => {
  const [owner, admin, member] = await Promise.all([
    accountWithToken(t),
    accountWithToken(t),
    accountWithToken(t),
  ]);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Grants Co",
      plan: "ENTERPRISE",
      members: {
        create: [
          { accountId: owner.id, role: "OWNER" },
          { accountId: admin.id, role: "ADMIN" },
          { accountId: member.id, role: "MEMBER" },
        ],
      },
    },
  });
  const { site, admin: siteAdmin } = await createSiteWithAdmin(t, organization.id);
  return { organization, owner, admin, member, site, siteAdmin };
};

const newUser = (siteId: string, extra: Record<string, unknown> = {}) => ({
  siteId,
  email: `${randomSlug("new")}@example.test`,
  name: "New Person",
  password: strongPassword(),
  ...extra,
});

describe("site grants", () => {
  it("access_site: sees the site (not its organization) but may change nothing (FORBIDDEN, nothing recorded)", async () => {
    const w = await world();
    const grantee = await accountWithToken(t);
    const hidden = await as(grantee, SITE_BY_SLUG, { slug: w.site.slug });
    expect(ok(hidden.res).site).toBeNull();
    expect(codeOf((await as(grantee, UPDATE, { id: w.site.id })).res)).toBe("NOT_FOUND");

    await grantOn(t, grantee.id, "SITE", w.site.id, "access_site");
    expect(ok((await as(grantee, SITE_BY_SLUG, { slug: w.site.slug })).res).site).toEqual({
      id: w.site.id,
      slug: w.site.slug,
      status: "ACTIVE",
      organization: null,
    });
    const attempts = [
      await as(grantee, UPDATE, { id: w.site.id }),
      await as(grantee, status("suspendSite"), { id: w.site.id }),
      await as(grantee, status("deleteSite"), { id: w.site.id }),
      await as(grantee, ADD, { input: { siteId: w.site.id, domain: `${randomSlug("g")}.example` } }),
      await as(grantee, CREATE_USER, { input: newUser(w.site.id) }),
    ];
    for (const { res, requestId } of attempts) {
      expect(codeOf(res)).toBe("FORBIDDEN");
      expect(await allEventsOf(t, requestId, [w.site.schemaName])).toEqual([]);
    }
    // Creating a site needs manage_sites on the organization, which a site grant is not.
    const create = await as(grantee, CREATE_SITE, {
      input: {
        organizationId: w.organization.id,
        name: "No",
        slug: randomSlug("site"),
        adminEmail: "a@example.test",
        adminPassword: strongPassword(),
      },
    });
    expect(codeOf(create.res)).toBe("NOT_FOUND");
  });

  it("admin_site: suspends, resumes, adds domains, deletes and restores (it still sees the deleted site), recorded as the grantee", async () => {
    const w = await world();
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "SITE", w.site.id, "admin_site");
    const suspended = await as(grantee, status("suspendSite"), { id: w.site.id });
    expect(ok(suspended.res).suspendSite.status).toBe("SUSPENDED");
    expect(await platformEventsOf(t, suspended.requestId)).toMatchObject([
      {
        action: "site.suspended",
        actor_type: "ACCOUNT",
        actor_id: grantee.id,
        organization_id: w.organization.id,
        site_id: w.site.id,
      },
    ]);
    ok((await as(grantee, status("resumeSite"), { id: w.site.id })).res);
    ok((await as(grantee, ADD, { input: { siteId: w.site.id, domain: `${randomSlug("g")}.example` } })).res);
    ok((await as(grantee, UPDATE, { id: w.site.id })).res);
    ok((await as(grantee, status("deleteSite"), { id: w.site.id })).res);
    expect(ok((await as(grantee, SITE_BY_SLUG, { slug: w.site.slug })).res).site.status).toBe("DELETED");
    // A member of the organization (access_site only) no longer sees it: NOT_FOUND.
    expect(ok((await as(w.member, SITE_BY_SLUG, { slug: w.site.slug })).res).site).toBeNull();
    expect(codeOf((await as(w.member, status("restoreSite"), { id: w.site.id })).res)).toBe("NOT_FOUND");
    expect(ok((await as(grantee, status("restoreSite"), { id: w.site.id })).res).restoreSite.status).toBe(
      "ACTIVE",
    );
    // The grant is on this site only.
    const other = await createSiteWithAdmin(t, w.organization.id);
    expect(codeOf((await as(grantee, status("suspendSite"), { id: other.site.id })).res)).toBe("NOT_FOUND");
  });

  it("manage_sites on the organization: a non-member creates sites there, recorded as them", async () => {
    const w = await world();
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "ORGANIZATION", w.organization.id, "manage_sites");
    const { res, requestId } = await as(grantee, CREATE_SITE, {
      input: {
        organizationId: w.organization.id,
        name: "Granted Site",
        slug: randomSlug("site"),
        adminEmail: `${randomSlug("a")}@example.test`,
        adminPassword: strongPassword(),
      },
    });
    const site = ok(res).createSite;
    expect(site.status).toBe("ACTIVE");
    expect(await platformEventsOf(t, requestId)).toMatchObject([
      { action: "site.created", actor_id: grantee.id, organization_id: w.organization.id, site_id: site.id },
    ]);
    // manage_sites brings admin_site on the organization's sites.
    ok((await as(grantee, status("suspendSite"), { id: w.site.id })).res);
  });
});

describe("createSiteUser", () => {
  it("manage_site_users: creates a user who signs in at the site; user.created goes to the site's trail, without the password", async () => {
    const w = await world();
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "SITE", w.site.id, "manage_site_users");
    const input = newUser(w.site.id, { email: `  ${randomSlug("Mixed").toUpperCase()}@Example.TEST ` });
    const { res, requestId } = await as(grantee, CREATE_USER, { input });
    const user = ok(res).createSiteUser;
    const email = (input.email as string).trim().toLowerCase();
    expect(user).toEqual({
      id: expect.any(String),
      email,
      name: "New Person",
      isAdmin: false,
      siteId: w.site.id,
    });

    const session = await signedIn(t, { email, password: input.password as string }, w.site.slug);
    expect(session.user.id).toBe(user.id);

    const events = await siteEventsOf(t, w.site.schemaName, requestId);
    expect(events).toEqual([
      {
        action: "user.created",
        entity_type: "User",
        entity_id: user.id,
        actor_type: "ACCOUNT",
        actor_id: grantee.id,
        request_id: requestId,
        changes: {
          email: { before: null, after: email },
          name: { before: null, after: "New Person" },
          isAdmin: { before: null, after: false },
        },
      },
    ]);
    expect(await platformEventsOf(t, requestId)).toEqual([]);
    const stored = await t.db.pool.query<{ password_hash: string }>(
      `SELECT password_hash FROM "${w.site.schemaName}".users WHERE id = $1`,
      [user.id],
    );
    const text = JSON.stringify(events);
    expect(text).not.toContain(input.password as string);
    expect(text).not.toContain(stored.rows[0]?.password_hash);

    // Only what was granted: no site administrators, no site changes.
    expect(
      codeOf((await as(grantee, CREATE_USER, { input: newUser(w.site.id, { isAdmin: true }) })).res),
    ).toBe("FORBIDDEN");
    expect(codeOf((await as(grantee, UPDATE, { id: w.site.id })).res)).toBe("FORBIDDEN");
  });

  it("refuses a taken email (CONFLICT on email), bad input (naming the field) and a deleted site, recording nothing", async () => {
    const w = await world();
    const refusals = [
      [
        await as(w.admin, CREATE_USER, { input: newUser(w.site.id, { email: w.siteAdmin.email }) }),
        "CONFLICT",
        "email",
      ],
      [
        await as(w.admin, CREATE_USER, { input: newUser(w.site.id, { email: "nope" }) }),
        "BAD_USER_INPUT",
        "email",
      ],
      [
        await as(w.admin, CREATE_USER, { input: newUser(w.site.id, { name: " " }) }),
        "BAD_USER_INPUT",
        "name",
      ],
      [
        await as(w.admin, CREATE_USER, { input: newUser(w.site.id, { password: "short" }) }),
        "BAD_USER_INPUT",
        "password",
      ],
      [
        await as(w.admin, CREATE_USER, {
          input: newUser(w.site.id, { name: "Pat Example", password: "pat-example-2024" }),
        }),
        "BAD_USER_INPUT",
        "password",
      ],
    ] as const;
    for (const [{ res, requestId }, code, field] of refusals) {
      expect(errorOf(res)).toMatchObject({ code, field });
      expect(await allEventsOf(t, requestId, [w.site.schemaName])).toEqual([]);
    }
    ok((await as(w.owner, status("deleteSite"), { id: w.site.id })).res);
    const deleted = await as(w.owner, CREATE_USER, { input: newUser(w.site.id) });
    expect(errorOf(deleted.res)).toMatchObject({ code: "CONFLICT", field: "status" });
    expect(await allEventsOf(t, deleted.requestId, [w.site.schemaName])).toEqual([]);
  });

  it("who may: organization admins and owners (site admins too), members FORBIDDEN, outsiders NOT_FOUND, signed out UNAUTHENTICATED, site scope FORBIDDEN", async () => {
    const w = await world();
    const outsider = await accountWithToken(t);
    const admin = await as(w.admin, CREATE_USER, { input: newUser(w.site.id, { isAdmin: true }) });
    expect(ok(admin.res).createSiteUser.isAdmin).toBe(true);
    expect(await siteEventsOf(t, w.site.schemaName, admin.requestId)).toMatchObject([
      { action: "user.created", actor_id: w.admin.id, changes: { isAdmin: { before: null, after: true } } },
    ]);
    expect(codeOf((await as(w.member, CREATE_USER, { input: newUser(w.site.id) })).res)).toBe("FORBIDDEN");
    expect(codeOf((await as(outsider, CREATE_USER, { input: newUser(w.site.id) })).res)).toBe("NOT_FOUND");
    expect(codeOf((await as(null, CREATE_USER, { input: newUser(w.site.id) })).res)).toBe("UNAUTHENTICATED");
    const siteAdmin = await signedIn(t, w.siteAdmin, w.site.slug);
    const inSite = await tagged(t, CREATE_USER, {
      tenant: w.site.slug,
      token: siteAdmin.accessToken,
      variables: { input: newUser(w.site.id) },
    });
    expect(codeOf(inSite.res)).toBe("FORBIDDEN");
    expect(await allEventsOf(t, inSite.requestId, [w.site.schemaName])).toEqual([]);
  });
});

describe("updateSiteSettings (site scope, settings.manage)", () => {
  const signUp = (slug: string) =>
    t.gql("mutation ($i: SignUpInput!) { signUp(input: $i) { user { id } } }", {
      tenant: slug,
      variables: { i: { email: `${randomSlug("s")}@example.test`, password: strongPassword(), name: "Sam" } },
    });

  it("a site admin turns sign-up on: the site's trail records the diff, identity honours it at once", async () => {
    const w = await world();
    const session = await signedIn(t, w.siteAdmin, w.site.slug);
    expect(codeOf(await signUp(w.site.slug))).toBe("FORBIDDEN");
    const { res, requestId } = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      token: session.accessToken,
      variables: { input: { allowSignup: true } },
    });
    expect(ok(res).updateSiteSettings).toEqual({ id: w.site.id, settings: { allowSignup: true } });
    expect(await siteEventsOf(t, w.site.schemaName, requestId)).toEqual([
      {
        action: "site.settings_updated",
        entity_type: "Site",
        entity_id: w.site.id,
        actor_type: "USER",
        actor_id: session.user.id,
        request_id: requestId,
        changes: { allowSignup: { before: false, after: true } },
      },
    ]);
    expect(await platformEventsOf(t, requestId)).toEqual([]);
    expect((await signUp(w.site.slug)).json.errors).toBeUndefined();
    expect((await t.db.platform.site.findUniqueOrThrow({ where: { id: w.site.id } })).settings).toMatchObject(
      { allowSignup: true },
    );
  });

  it("a user holding settings.manage (granted) may; a plain user may not (FORBIDDEN, nothing recorded)", async () => {
    const w = await world();
    const user = await siteUser(t, w.site);
    const plain = { id: user.id, token: await user.token() };
    const refused = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      token: plain.token,
      variables: { input: { allowSignup: true } },
    });
    expect(errorOf(refused.res)).toMatchObject({
      code: "FORBIDDEN",
      message: "requires the settings.manage permission",
    });
    expect(await allEventsOf(t, refused.requestId, [w.site.schemaName])).toEqual([]);

    await t.db.pool.query(
      `INSERT INTO "${w.site.schemaName}".permission_grants (permission, principal_type, user_id)
       VALUES ('settings.manage', 'USER', $1)`,
      [plain.id],
    );
    await accessChangedDirectly(t, w.site);
    const allowed = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      token: plain.token,
      variables: { input: { allowSignup: true } },
    });
    expect(ok(allowed.res).updateSiteSettings.settings).toEqual({ allowSignup: true });
    expect(await siteEventsOf(t, w.site.schemaName, allowed.requestId)).toMatchObject([
      { action: "site.settings_updated", actor_type: "USER", actor_id: plain.id },
    ]);
  });

  it("an API key with the settings.manage scope may (recorded as the key); without it, FORBIDDEN", async () => {
    const w = await world();
    const scoped = await apiKeyDirectly(t, w.site, ["settings.manage"]);
    const unscoped = await apiKeyDirectly(t, w.site, ["users.manage", "audit.view"]);
    const without = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      auth: unscoped.auth,
      variables: { input: { allowSignup: true } },
    });
    expect(codeOf(without.res)).toBe("FORBIDDEN");
    expect(await allEventsOf(t, without.requestId, [w.site.schemaName])).toEqual([]);
    const withScope = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      auth: scoped.auth,
      variables: { input: { allowSignup: true } },
    });
    expect(ok(withScope.res).updateSiteSettings.settings).toEqual({ allowSignup: true });
    const events = await siteEventsOf(t, w.site.schemaName, withScope.requestId);
    expect(events).toMatchObject([
      {
        action: "site.settings_updated",
        actor_type: "API_KEY",
        actor_id: scoped.id,
        changes: { allowSignup: { before: false, after: true } },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(scoped.key);
    // Setting it again changes nothing: still one event (the call succeeded), without changes.
    const again = await tagged(t, SETTINGS, {
      tenant: w.site.slug,
      auth: scoped.auth,
      variables: { input: { allowSignup: true } },
    });
    ok(again.res);
    expect(await siteEventsOf(t, w.site.schemaName, again.requestId)).toMatchObject([{ changes: null }]);
  });

  it("refuses the signed out, the platform scope, another site's user, a platform account and an empty change", async () => {
    const w = await world();
    const other = await createSiteWithAdmin(t, w.organization.id);
    const otherAdmin = await signedIn(t, other.admin, other.site.slug);
    const admin = await signedIn(t, w.siteAdmin, w.site.slug);
    const input = { allowSignup: true };
    const cases = [
      [await tagged(t, SETTINGS, { tenant: w.site.slug, variables: { input } }), "UNAUTHENTICATED"],
      [await tagged(t, SETTINGS, { token: w.owner.token, variables: { input } }), "BAD_USER_INPUT"],
      // A token of site B is worthless at site A (the gateway checks its audience).
      [
        await tagged(t, SETTINGS, {
          tenant: w.site.slug,
          token: otherAdmin.accessToken,
          variables: { input },
        }),
        "UNAUTHENTICATED",
      ],
      [
        await tagged(t, SETTINGS, { tenant: w.site.slug, token: w.owner.token, variables: { input } }),
        "UNAUTHENTICATED",
      ],
      [
        await tagged(t, SETTINGS, {
          tenant: w.site.slug,
          token: admin.accessToken,
          variables: { input: {} },
        }),
        "BAD_USER_INPUT",
      ],
    ] as const;
    for (const [{ res, requestId }, code] of cases) {
      expect(codeOf(res)).toBe(code);
      expect(await allEventsOf(t, requestId, [w.site.schemaName, other.site.schemaName])).toEqual([]);
    }
    expect(
      (await t.db.platform.site.findUniqueOrThrow({ where: { id: w.site.id } })).settings,
    ).not.toMatchObject({
      allowSignup: true,
    });
  });
});
