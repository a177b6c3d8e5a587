import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  errorCode,
  errorOf,
  type HttpResult,
  signedInAccount,
  startTestStack,
  type TestStack,
} from "./helpers";

// Organizations, members and roles through the real gateway, with real sign-ins.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof signedInAccount>>;

const ORG =
  "id slug name plan viewerRole limits { maxSites maxMembers } members { userId role joinedAt user { id } }";
const CREATE = `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { ${ORG} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { ${ORG} } }`;
const BY_SLUG = `query ($slug: String!) { organization(slug: $slug) { ${ORG} } }`;
const MINE = "{ organizations { slug viewerRole } }";
const SET_ROLE = `mutation ($o: ID!, $u: ID!, $r: OrganizationRole!) {
  updateMemberRole(organizationId: $o, userId: $u, role: $r) { userId role } }`;
const REMOVE = "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const INVITE = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id email role status } }`;
const INVITATIONS = "query ($o: ID!) { invitations(organizationId: $o) { id email } }";
const SITE = "query ($slug: String!) { site(slug: $slug) { id slug } }";

const as = (who: Account | null, query: string, variables: unknown = {}) =>
  t.gql(query, { variables, ...(who ? { token: who.token } : {}) });
const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};
const createOrg = async (owner: Account, name = "Acme Inc") =>
  ok(await as(owner, CREATE, { input: { name, slug: randomSlug("org") } })).createOrganization;

/** An organization with an owner, an admin and a member (all signed in), an outsider and a superuser. */
const team = async () => {
  const [owner, admin, member, outsider, superuser] = await Promise.all([
    signedInAccount(t, { name: "Olive Owner" }),
    signedInAccount(t, { name: "Adam Admin" }),
    signedInAccount(t, { name: "Mia Member" }),
    signedInAccount(t, { name: "Otto Outsider" }),
    signedInAccount(t, { isSuperuser: true, name: "Sue Super" }),
  ]);
  const organization = await createOrg(owner);
  await t.db.platform.organizationMember.createMany({
    data: [
      { organizationId: organization.id, accountId: admin.id, role: "ADMIN" },
      { organizationId: organization.id, accountId: member.id, role: "MEMBER" },
    ],
  });
  return { organization, owner, admin, member, outsider, superuser };
};

describe("createOrganization", () => {
  it("creates a FREE organization with the caller as its only OWNER, visible in organizations and by slug", async () => {
    const owner = await signedInAccount(t);
    const slug = randomSlug("org");
    const created = ok(await as(owner, CREATE, { input: { name: "  Acme  Inc ", slug } })).createOrganization;
    expect(created).toMatchObject({
      slug,
      name: "Acme  Inc",
      plan: "FREE",
      viewerRole: "OWNER",
      limits: { maxSites: 1, maxMembers: 5 },
      members: [{ userId: owner.id, role: "OWNER", user: { id: owner.id } }],
    });
    expect(ok(await as(owner, MINE)).organizations).toEqual([{ slug, viewerRole: "OWNER" }]);
    expect(ok(await as(owner, BY_SLUG, { slug })).organization.id).toBe(created.id);
    const audit = await t.db.platform.auditEvent.findFirst({
      where: { action: "organization.created", entityId: created.id },
    });
    expect(audit).toMatchObject({ actorType: "ACCOUNT", actorId: owner.id, organizationId: created.id });
  });

  it("refuses a taken slug with CONFLICT on slug", async () => {
    const owner = await signedInAccount(t);
    const slug = randomSlug("org");
    ok(await as(owner, CREATE, { input: { name: "First", slug } }));
    const res = await as(owner, CREATE, { input: { name: "Second", slug } });
    expect(errorOf(res)).toMatchObject({ code: "CONFLICT", field: "slug" });
    expect(errorOf(res)?.message).toContain("already exists");
  });

  it.each([
    ["upper case", "Acme-Corp"],
    ["too short", "ab"],
    ["too long", `a${"b".repeat(40)}`],
    ["path traversal", "../etc/passwd"],
    ["a dot (another host)", "acme.evil.com"],
    ["SQL", "acme'; drop table organizations;--"],
    ["leading hyphen", "-acme"],
    ["trailing hyphen", "acme-"],
    ["double hyphen (punycode-like)", "xn--acme"],
    ["leading digit", "1acme"],
    ["unicode look-alike", "аcme"],
    ["full-width letters", "ａｃｍｅ"],
    ["white space", " acme "],
    ["a newline", "acme\nx"],
    ["empty", ""],
    ["reserved", "admin"],
    ["reserved", "www"],
  ])("refuses a hostile slug (%s) with BAD_USER_INPUT on slug", async (_, slug) => {
    const owner = await signedInAccount(t);
    const res = await as(owner, CREATE, { input: { name: "Hostile", slug } });
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "slug" });
    expect(await t.db.platform.organization.count({ where: { slug } })).toBe(0);
  });

  it("refuses a name with control characters, or empty, with BAD_USER_INPUT on name", async () => {
    const owner = await signedInAccount(t);
    for (const name of ["Acme\u0000", "Acme\nInc", "   ", "x".repeat(101)]) {
      const res = await as(owner, CREATE, { input: { name, slug: randomSlug("org") } });
      expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    }
  });

  it("needs a signed-in account, in the platform scope", async () => {
    const input = { name: "Nope", slug: randomSlug("org") };
    expect(errorCode(await t.gql(CREATE, { variables: { input } }))).toBe("UNAUTHENTICATED");
    const { organization, owner } = await team();
    const site = await t.createSite(organization.id);
    const inSite = await t.gql(CREATE, { variables: { input }, tenant: site.slug, token: owner.token });
    // A platform token is worthless in a site's scope; with no token the scope check answers.
    expect(["UNAUTHENTICATED", "FORBIDDEN"]).toContain(errorCode(inSite));
    const anonymousInSite = await t.gql(CREATE, { variables: { input }, tenant: site.slug });
    expect(errorOf(anonymousInSite)).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(anonymousInSite)?.message).toContain("platform scope");
    expect(await t.db.platform.organization.count({ where: { slug: input.slug } })).toBe(0);
  });
});

describe("who may do what", () => {
  it("reading: members, admins, owners and superusers see the organization; outsiders get null / NOT_FOUND", async () => {
    const w = await team();
    const slug = w.organization.slug;
    for (const [who, role] of [
      [w.owner, "OWNER"],
      [w.admin, "ADMIN"],
      [w.member, "MEMBER"],
      [w.superuser, null],
    ] as const) {
      const organization = ok(await as(who, BY_SLUG, { slug })).organization;
      expect(organization).toMatchObject({ id: w.organization.id, viewerRole: role });
      expect(organization.members).toHaveLength(3);
    }
    expect(ok(await as(w.outsider, BY_SLUG, { slug })).organization).toBeNull();
    expect(ok(await as(w.outsider, MINE)).organizations).toEqual([]);
    // Signed out: asked to sign in, not told whether it exists.
    expect(errorCode(await as(null, BY_SLUG, { slug }))).toBe("UNAUTHENTICATED");
    expect(errorCode(await as(null, MINE))).toBe("UNAUTHENTICATED");
    // The superuser sees every organization.
    const all = ok(await as(w.superuser, MINE)).organizations.map((o: { slug: string }) => o.slug);
    expect(all).toContain(slug);
  });

  it("a non-member gets NOT_FOUND for the organization and its sites, however they ask", async () => {
    const w = await team();
    const id = w.organization.id;
    const site = await t.createSite(id);
    expect(ok(await as(w.outsider, SITE, { slug: site.slug })).site).toBeNull();
    expect(ok(await as(w.member, SITE, { slug: site.slug })).site).toMatchObject({ id: site.id });
    const attempts = [
      as(w.outsider, UPDATE, { id, input: { name: "Mine now" } }),
      as(w.outsider, INVITE, { input: { organizationId: id, email: "x@example.test", role: "MEMBER" } }),
      as(w.outsider, INVITATIONS, { o: id }),
      as(w.outsider, SET_ROLE, { o: id, u: w.owner.id, r: "MEMBER" }),
      as(w.outsider, REMOVE, { o: id, u: w.member.id }),
      // An organization that does not exist reads the same.
      as(w.outsider, UPDATE, { id: crypto.randomUUID(), input: { name: "Ghost" } }),
      as(w.owner, REMOVE, { o: crypto.randomUUID(), u: w.member.id }),
    ];
    for (const res of await Promise.all(attempts)) expect(errorCode(res)).toBe("NOT_FOUND");
    const after = await t.db.platform.organization.findUniqueOrThrow({ where: { id } });
    expect(after.name).toBe(w.organization.name);
    expect(await t.db.platform.organizationMember.count({ where: { organizationId: id } })).toBe(3);
  });

  it("members read only: every change is FORBIDDEN", async () => {
    const w = await team();
    const id = w.organization.id;
    const attempts = await Promise.all([
      as(w.member, UPDATE, { id, input: { name: "Renamed" } }),
      as(w.member, INVITE, { input: { organizationId: id, email: "x@example.test", role: "MEMBER" } }),
      as(w.member, INVITATIONS, { o: id }),
      as(w.member, SET_ROLE, { o: id, u: w.member.id, r: "ADMIN" }),
      as(w.member, REMOVE, { o: id, u: w.admin.id }),
    ]);
    for (const res of attempts) expect(errorCode(res)).toBe("FORBIDDEN");
  });

  it("admins manage admins and members, but not owners, the organization or the plan", async () => {
    const w = await team();
    const id = w.organization.id;
    expect(ok(await as(w.admin, SET_ROLE, { o: id, u: w.member.id, r: "ADMIN" })).updateMemberRole).toEqual({
      userId: w.member.id,
      role: "ADMIN",
    });
    ok(await as(w.admin, SET_ROLE, { o: id, u: w.member.id, r: "MEMBER" }));
    const forbidden = await Promise.all([
      as(w.admin, SET_ROLE, { o: id, u: w.member.id, r: "OWNER" }),
      as(w.admin, SET_ROLE, { o: id, u: w.admin.id, r: "OWNER" }),
      as(w.admin, SET_ROLE, { o: id, u: w.owner.id, r: "ADMIN" }),
      as(w.admin, REMOVE, { o: id, u: w.owner.id }),
      as(w.admin, INVITE, {
        input: { organizationId: id, email: `${randomSlug("o")}@example.test`, role: "OWNER" },
      }),
      as(w.admin, UPDATE, { id, input: { name: "Admin's now" } }),
      as(w.admin, UPDATE, { id, input: { plan: "ENTERPRISE" } }),
    ]);
    for (const res of forbidden) expect(errorCode(res)).toBe("FORBIDDEN");
    expect(errorOf(forbidden[0] as HttpResult)?.message).toContain("only an owner");
    ok(
      await as(w.admin, INVITE, {
        input: { organizationId: id, email: `${randomSlug("m")}@example.test`, role: "ADMIN" },
      }),
    );
    expect(ok(await as(w.admin, INVITATIONS, { o: id })).invitations).toHaveLength(1);
    expect(ok(await as(w.admin, REMOVE, { o: id, u: w.member.id })).removeMember).toBe(true);
    const roles = await t.db.platform.organizationMember.findMany({ where: { organizationId: id } });
    expect(roles.map((m) => [m.accountId, m.role]).sort()).toEqual(
      [
        [w.owner.id, "OWNER"],
        [w.admin.id, "ADMIN"],
      ].sort(),
    );
  });

  it("owners do everything in their organization except change the plan; superusers everything", async () => {
    const w = await team();
    const id = w.organization.id;
    expect(ok(await as(w.owner, UPDATE, { id, input: { name: "Renamed Co" } })).updateOrganization.name).toBe(
      "Renamed Co",
    );
    expect(errorOf(await as(w.owner, UPDATE, { id, input: { plan: "ENTERPRISE" } }))).toMatchObject({
      code: "FORBIDDEN",
      message: "only a superuser may change the plan",
    });
    ok(await as(w.owner, SET_ROLE, { o: id, u: w.admin.id, r: "OWNER" }));
    ok(await as(w.owner, SET_ROLE, { o: id, u: w.admin.id, r: "MEMBER" }));
    ok(
      await as(w.owner, INVITE, {
        input: { organizationId: id, email: `${randomSlug("o")}@example.test`, role: "OWNER" },
      }),
    );

    const upgraded = ok(await as(w.superuser, UPDATE, { id, input: { plan: "PRO", name: "Super Co" } }));
    expect(upgraded.updateOrganization).toMatchObject({
      plan: "PRO",
      name: "Super Co",
      limits: { maxSites: 10, maxMembers: 50 },
      viewerRole: null,
    });
    ok(await as(w.superuser, SET_ROLE, { o: id, u: w.member.id, r: "OWNER" }));
    ok(await as(w.superuser, REMOVE, { o: id, u: w.admin.id }));
    expect(ok(await as(w.superuser, INVITATIONS, { o: id })).invitations).toHaveLength(1);
    const audit = await t.db.platform.auditEvent.findFirst({
      where: { action: "organization.updated", entityId: id, actorId: w.superuser.id },
    });
    expect(audit?.changes).toEqual({
      plan: { before: "FREE", after: "PRO" },
      name: { before: "Renamed Co", after: "Super Co" },
    });
  });

  it("anyone may leave; nobody may touch a member of another organization", async () => {
    const w = await team();
    const other = await team();
    expect(errorCode(await as(w.owner, REMOVE, { o: w.organization.id, u: other.member.id }))).toBe(
      "NOT_FOUND",
    );
    expect(errorCode(await as(w.owner, REMOVE, { o: other.organization.id, u: other.member.id }))).toBe(
      "NOT_FOUND",
    );
    expect(ok(await as(w.member, REMOVE, { o: w.organization.id, u: w.member.id })).removeMember).toBe(true);
    expect(ok(await as(w.member, BY_SLUG, { slug: w.organization.slug })).organization).toBeNull();
  });
});

describe("the last owner", () => {
  it("can be neither demoted nor removed, by anyone; with a second owner, either can go", async () => {
    const w = await team();
    const id = w.organization.id;
    for (const res of await Promise.all([
      as(w.owner, SET_ROLE, { o: id, u: w.owner.id, r: "ADMIN" }),
      as(w.owner, REMOVE, { o: id, u: w.owner.id }),
      as(w.superuser, SET_ROLE, { o: id, u: w.owner.id, r: "MEMBER" }),
      as(w.superuser, REMOVE, { o: id, u: w.owner.id }),
    ])) {
      expect(errorOf(res)).toMatchObject({ code: "CONFLICT", field: "userId" });
      expect(errorOf(res)?.message).toContain("needs an owner");
    }
    ok(await as(w.owner, SET_ROLE, { o: id, u: w.admin.id, r: "OWNER" }));
    expect(ok(await as(w.owner, REMOVE, { o: id, u: w.owner.id })).removeMember).toBe(true);
    // Now the former admin is the last owner.
    expect(errorCode(await as(w.admin, SET_ROLE, { o: id, u: w.admin.id, r: "ADMIN" }))).toBe("CONFLICT");
  });

  it("two owners demoting each other at once: one wins, an owner remains", async () => {
    const w = await team();
    const id = w.organization.id;
    ok(await as(w.owner, SET_ROLE, { o: id, u: w.admin.id, r: "OWNER" }));
    const results = await Promise.all([
      as(w.owner, SET_ROLE, { o: id, u: w.admin.id, r: "MEMBER" }),
      as(w.admin, SET_ROLE, { o: id, u: w.owner.id, r: "MEMBER" }),
    ]);
    const codes = results.map(errorCode);
    expect(codes.filter((c) => c === undefined)).toHaveLength(1);
    expect(
      await t.db.platform.organizationMember.count({ where: { organizationId: id, role: "OWNER" } }),
    ).toBe(1);
  });
});

describe("plan limits", () => {
  it("FREE allows 5 members counting pending invitations; CONFLICT on plan beyond; PRO after an upgrade", async () => {
    const w = await team(); // 3 members
    const id = w.organization.id;
    const invite = (who: Account) =>
      as(who, INVITE, {
        input: { organizationId: id, email: `${randomSlug("inv")}@example.test`, role: "MEMBER" },
      });
    const first = ok(await invite(w.owner)).inviteMember;
    ok(await invite(w.admin)); // 5 of 5
    const refused = await invite(w.owner);
    expect(errorOf(refused)).toEqual({
      code: "CONFLICT",
      field: "plan",
      message: "plan: the FREE plan allows 5 members; upgrade to add more",
    });
    // Revoking frees the seat.
    ok(await as(w.owner, "mutation ($id: ID!) { revokeInvitation(id: $id) { status } }", { id: first.id }));
    ok(await invite(w.owner));
    expect(errorCode(await invite(w.owner))).toBe("CONFLICT");
    ok(await as(w.superuser, UPDATE, { id, input: { plan: "PRO" } }));
    ok(await invite(w.owner));
    expect(await t.db.platform.invitation.count({ where: { organizationId: id, revokedAt: null } })).toBe(3);
  });

  it("holds under concurrency: six invitations racing for two seats, two are sent", async () => {
    const w = await team();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        as(w.owner, INVITE, {
          input: {
            organizationId: w.organization.id,
            email: `${randomSlug("race")}@example.test`,
            role: "MEMBER",
          },
        }),
      ),
    );
    expect(results.filter((r) => !r.json.errors)).toHaveLength(2);
    expect(results.filter((r) => errorOf(r)?.field === "plan")).toHaveLength(4);
  });
});
