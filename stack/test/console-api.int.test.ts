import { createTestAccount, randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyDirectly, groupDirectly, siteUser } from "./fixtures";
import {
  createOrganizationWithRoles,
  createSiteWithAdmin,
  errorCode,
  errorOf,
  startTestStack,
  type TestStack,
} from "./helpers";

// The lists the console pages through: platform-wide ones for superusers (a non-superuser is
// FORBIDDEN: no escalation by asking), and pages of an organization's invitations and a site's
// groups and API keys under the same permission as their plain lists.

let t: TestStack;
let superuser: string;
let org: Awaited<ReturnType<typeof createOrganizationWithRoles>>;
let home: Awaited<ReturnType<typeof createSiteWithAdmin>>;

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  const root = await createTestAccount(t.db.platform, { isSuperuser: true });
  superuser = await t.token(root.id, null);
  org = await createOrganizationWithRoles(t, "PRO");
  home = await createSiteWithAdmin(t, org.organization.id);
});
afterAll(() => t.close());

type Page = {
  edges: { cursor: string; node: Record<string, unknown> }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
const page = (res: { json?: { data?: Record<string, unknown> } }, field: string) =>
  res.json?.data?.[field] as Page;

const SITES = `query ($first: Int, $after: String, $filter: SiteFilter) {
  platformSites(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id slug name status organization { id } } } pageInfo { hasNextPage endCursor } } }`;
const ORGS = `query ($first: Int, $after: String, $filter: OrganizationFilter) {
  platformOrganizations(first: $first, after: $after, filter: $filter) {
    edges { node { id slug name plan } } pageInfo { hasNextPage endCursor } } }`;
const ACCOUNTS = `query ($first: Int, $after: String, $filter: UserFilter) {
  accounts(first: $first, after: $after, filter: $filter) {
    edges { node { id email isAdmin } } pageInfo { hasNextPage endCursor } } }`;
const STATUS = "{ systemStatus { status checkedAt components { name ok latencyMs } } }";

describe("platformSites", () => {
  it("pages every site for a superuser, filtered by status, organization and search", async () => {
    const marker = randomSlug("mark");
    const a = await t.createSite(org.organization.id);
    const b = await t.createSite(org.organization.id);
    const c = await t.createSite(org.organization.id);
    const ids = [a, b, c].map((s) => s?.id);
    await t.db.platform.site.updateMany({
      where: { id: { in: ids as string[] } },
      data: { name: `Console ${marker}` },
    });
    await t.db.platform.site.update({
      where: { id: b?.id as string },
      data: { status: "SUSPENDED", suspendedAt: new Date() },
    });

    const first = await t.gql(SITES, {
      token: superuser,
      variables: { first: 2, filter: { search: marker.toUpperCase() } },
    });
    expect(page(first, "platformSites").edges.map((e) => e.node.id)).toEqual(ids.slice(0, 2));
    expect(page(first, "platformSites").pageInfo.hasNextPage).toBe(true);
    const rest = await t.gql(SITES, {
      token: superuser,
      variables: {
        first: 2,
        after: page(first, "platformSites").pageInfo.endCursor,
        filter: { search: marker },
      },
    });
    expect(page(rest, "platformSites").edges.map((e) => e.node.id)).toEqual(ids.slice(2));
    expect(page(rest, "platformSites").pageInfo.hasNextPage).toBe(false);

    const suspended = await t.gql(SITES, {
      token: superuser,
      variables: { filter: { search: marker, status: "SUSPENDED" } },
    });
    expect(page(suspended, "platformSites").edges.map((e) => e.node)).toEqual([
      {
        id: b?.id,
        slug: b?.slug,
        name: `Console ${marker}`,
        status: "SUSPENDED",
        organization: { id: org.organization.id },
      },
    ]);

    const other = await createOrganizationWithRoles(t);
    const otherSite = await t.createSite(other.organization.id);
    const byOrg = await t.gql(SITES, {
      token: superuser,
      variables: { first: 100, filter: { organizationId: other.organization.id } },
    });
    expect(page(byOrg, "platformSites").edges.map((e) => e.node.id)).toEqual([otherSite.id]);
  });

  it("refuses a bad organization id or cursor, naming the field", async () => {
    const bad = await t.gql(SITES, { token: superuser, variables: { filter: { organizationId: "nope" } } });
    expect(errorOf(bad)).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.organizationId" });
    const cursor = await t.gql(SITES, { token: superuser, variables: { after: "garbage!" } });
    expect(errorOf(cursor)).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});

describe("platformOrganizations and accounts", () => {
  it("lists organizations by search and plan for a superuser", async () => {
    const res = await t.gql(ORGS, {
      token: superuser,
      variables: { filter: { search: org.organization.slug } },
    });
    expect(page(res, "platformOrganizations").edges.map((e) => e.node)).toEqual([
      { id: org.organization.id, slug: org.organization.slug, name: "Sites Org", plan: "PRO" },
    ]);
    const free = await t.gql(ORGS, {
      token: superuser,
      variables: { first: 100, filter: { search: org.organization.slug, plan: "FREE" } },
    });
    expect(page(free, "platformOrganizations").edges).toEqual([]);
  });

  it("lists accounts by search for a superuser, in pages", async () => {
    const marker = randomSlug("acct");
    const made = [];
    for (const n of [1, 2, 3])
      made.push(await createTestAccount(t.db.platform, { email: `${marker}-${n}@example.test` }));
    // The promised order is oldest first, then id: accounts made in the same millisecond tie on
    // createdAt, so the expected order is computed the same way.
    made.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    const first = await t.gql(ACCOUNTS, {
      token: superuser,
      variables: { first: 2, filter: { search: marker } },
    });
    expect(page(first, "accounts").edges.map((e) => e.node.email)).toEqual(
      made.slice(0, 2).map((a) => a.email),
    );
    const rest = await t.gql(ACCOUNTS, {
      token: superuser,
      variables: { first: 2, after: page(first, "accounts").pageInfo.endCursor, filter: { search: marker } },
    });
    expect(page(rest, "accounts").edges.map((e) => e.node.email)).toEqual([made[2]?.email]);
  });
});

describe("systemStatus", () => {
  it("reports PostgreSQL and every subgraph to a superuser", async () => {
    const res = await t.gql(STATUS, { token: superuser });
    const status = res.json.data.systemStatus;
    expect(status.status).toBe("ready");
    expect(Date.parse(status.checkedAt)).not.toBeNaN();
    const names = status.components.map((c: { name: string }) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(["postgres", "identity", "organizations", "sites", "audit", "files"]),
    );
    expect(status.components.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it("reports a stopped subgraph as down: not ready", async () => {
    await t.stack.stopSubgraph("audit");
    try {
      const status = (await t.gql(STATUS, { token: superuser })).json.data.systemStatus;
      expect(status.status).toBe("not ready");
      expect(status.components.find((c: { name: string }) => c.name === "audit")).toMatchObject({
        ok: false,
      });
      expect(status.components.find((c: { name: string }) => c.name === "postgres")).toMatchObject({
        ok: true,
      });
    } finally {
      await t.stack.startSubgraph("audit");
    }
  });
});

describe("escalation: the platform-wide lists are for superusers only", () => {
  it.each([
    ["platformSites", SITES],
    ["platformOrganizations", ORGS],
    ["accounts", ACCOUNTS],
    ["systemStatus", STATUS],
  ])("%s: FORBIDDEN to an organization owner, UNAUTHENTICATED signed out", async (field, query) => {
    const owner = await t.gql(query, { token: org.tokens.owner });
    expect(errorCode(owner)).toBe("FORBIDDEN");
    expect(owner.json.data?.[field] ?? null).toBeNull();
    expect(errorCode(await t.gql(query))).toBe("UNAUTHENTICATED");
  });

  it("FORBIDDEN to a site administrator in the site's scope", async () => {
    const admin = await siteUser(t, home.site, { admin: true });
    for (const query of [SITES, ORGS, ACCOUNTS, STATUS]) {
      expect(errorCode(await t.gql(query, { token: await admin.token(), tenant: home.site.slug }))).toBe(
        "FORBIDDEN",
      );
    }
  });
});

describe("invitationsConnection", () => {
  const INVITE = "mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id } }";
  const PAGE = `query ($org: ID!, $first: Int, $after: String) {
    invitationsConnection(organizationId: $org, first: $first, after: $after) {
      edges { node { id email status } } pageInfo { hasNextPage endCursor } } }`;

  it("pages an organization's pending invitations, newest first, for its owner; FORBIDDEN to a member", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await t.gql(INVITE, {
        token: org.tokens.owner,
        variables: {
          input: { organizationId: org.organization.id, email: `${randomSlug("inv")}-${n}@example.test` },
        },
      });
      ids.push(res.json.data.inviteMember.id);
    }
    const first = await t.gql(PAGE, {
      token: org.tokens.owner,
      variables: { org: org.organization.id, first: 2 },
    });
    expect(page(first, "invitationsConnection").edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    const rest = await t.gql(PAGE, {
      token: org.tokens.owner,
      variables: {
        org: org.organization.id,
        first: 2,
        after: page(first, "invitationsConnection").pageInfo.endCursor,
      },
    });
    expect(page(rest, "invitationsConnection").edges.map((e) => e.node.id)).toEqual([ids[0]]);
    expect(page(rest, "invitationsConnection").pageInfo.hasNextPage).toBe(false);

    expect(
      errorCode(await t.gql(PAGE, { token: org.tokens.member, variables: { org: org.organization.id } })),
    ).toBe("FORBIDDEN");
    expect(
      errorCode(await t.gql(PAGE, { token: org.tokens.outsider, variables: { org: org.organization.id } })),
    ).toBe("NOT_FOUND");
  });
});

describe("groupsConnection and apiKeysConnection", () => {
  const GROUPS = `query ($first: Int, $after: String, $filter: GroupFilter) {
    groupsConnection(first: $first, after: $after, filter: $filter) {
      edges { node { id name } } pageInfo { hasNextPage endCursor } } }`;
  const KEYS = `query ($first: Int, $after: String, $filter: ApiKeyFilter) {
    apiKeysConnection(first: $first, after: $after, filter: $filter) {
      edges { node { id name prefix scopes revokedAt } } pageInfo { hasNextPage endCursor } } }`;

  it("pages groups by name search; FORBIDDEN without groups.view", async () => {
    const admin = await siteUser(t, home.site, { admin: true });
    const marker = randomSlug("grp");
    for (const n of [1, 2, 3]) await groupDirectly(t, home.site, `${marker} ${n}`);
    // Oldest first, then id: groups inserted within one millisecond tie on created_at.
    const ids = (
      await t.db.pool.query<{ id: string }>(
        `SELECT id FROM "${home.site.schemaName}".groups WHERE name LIKE $1 ORDER BY created_at, id`,
        [`${marker} %`],
      )
    ).rows.map((r) => r.id);
    const as = { token: await admin.token(), tenant: home.site.slug };
    const first = await t.gql(GROUPS, { ...as, variables: { first: 2, filter: { search: marker } } });
    expect(page(first, "groupsConnection").edges.map((e) => e.node.id)).toEqual(ids.slice(0, 2));
    const rest = await t.gql(GROUPS, {
      ...as,
      variables: {
        first: 2,
        after: page(first, "groupsConnection").pageInfo.endCursor,
        filter: { search: marker },
      },
    });
    expect(page(rest, "groupsConnection").edges.map((e) => e.node.id)).toEqual(ids.slice(2));

    const plain = await siteUser(t, home.site);
    expect(errorCode(await t.gql(GROUPS, { token: await plain.token(), tenant: home.site.slug }))).toBe(
      "FORBIDDEN",
    );
  });

  it("pages API keys, filtered by revocation, with today's fields; FORBIDDEN without apikeys.manage", async () => {
    const admin = await siteUser(t, home.site, { admin: true });
    const as = { token: await admin.token(), tenant: home.site.slug };
    const live = await apiKeyDirectly(t, home.site, ["users.view"], { createdById: admin.id });
    const gone = await apiKeyDirectly(t, home.site, ["users.view"], { createdById: admin.id });
    await t.db.pool.query(`UPDATE "${home.site.schemaName}".api_keys SET revoked_at = now() WHERE id = $1`, [
      gone.id,
    ]);
    const all = page(await t.gql(KEYS, { ...as, variables: { first: 100 } }), "apiKeysConnection");
    expect(all.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining([live.id, gone.id]));
    const revoked = page(
      await t.gql(KEYS, { ...as, variables: { first: 100, filter: { revoked: true } } }),
      "apiKeysConnection",
    );
    expect(revoked.edges.map((e) => e.node.id)).toContain(gone.id);
    expect(revoked.edges.map((e) => e.node.id)).not.toContain(live.id);
    expect(revoked.edges.find((e) => e.node.id === gone.id)?.node).toMatchObject({
      scopes: ["users.view"],
      revokedAt: expect.any(String),
    });

    const plain = await siteUser(t, home.site);
    expect(errorCode(await t.gql(KEYS, { token: await plain.token(), tenant: home.site.slug }))).toBe(
      "FORBIDDEN",
    );
    // A key holding only users.view cannot list keys either.
    expect(
      errorCode(await t.gql(KEYS, { tenant: home.site.slug, headers: { authorization: live.auth } })),
    ).toBe("FORBIDDEN");
  });
});
