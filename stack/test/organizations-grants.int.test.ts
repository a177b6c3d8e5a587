import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAccessChangedDirectly } from "./fixtures";
import { errorCode, type HttpResult, startTestStack, type TestStack } from "./helpers";
import { accountWithToken, grantOn, platformEventsOf, tagged } from "./sites-helpers";

// Grants on one organization (platform.object_permissions: manage_organization, invite_members,
// manage_sites) let an account who is not a member see the organization and do exactly what was
// granted; anything else is FORBIDDEN, and another organization stays NOT_FOUND.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof accountWithToken>>;

const MINE = "{ organizations { id slug viewerRole } }";
const BY_SLUG = "query ($slug: String!) { organization(slug: $slug) { id viewerRole members { userId } } }";
const UPDATE = `mutation ($id: ID!, $input: UpdateOrganizationInput!) {
  updateOrganization(id: $id, input: $input) { id name plan } }`;
const SET_ROLE = `mutation ($o: ID!, $u: ID!, $r: OrganizationRole!) {
  updateMemberRole(organizationId: $o, userId: $u, role: $r) { role } }`;
const REMOVE = "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const INVITE = "mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id role } }";
const INVITATIONS = "query ($o: ID!) { invitations(organizationId: $o) { id } }";

const as = (who: Account, query: string, variables: unknown = {}) =>
  t.gql(query, { token: who.token, variables });
const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

const organizationOf = async () => {
  const owner = await accountWithToken(t);
  const member = await accountWithToken(t);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Granting Co",
      plan: "PRO",
      members: {
        create: [
          { accountId: owner.id, role: "OWNER" },
          { accountId: member.id, role: "MEMBER" },
        ],
      },
    },
  });
  return { organization, owner, member };
};

describe("organization grants", () => {
  it("invite_members: a non-member sees the organization (no role), lists and sends MEMBER invitations, and nothing more", async () => {
    const { organization, member } = await organizationOf();
    const other = await organizationOf();
    const grantee = await accountWithToken(t);
    expect(ok(await as(grantee, MINE)).organizations).toEqual([]);
    expect(errorCode(await as(grantee, INVITATIONS, { o: organization.id }))).toBe("NOT_FOUND");

    await grantOn(t, grantee.id, "ORGANIZATION", organization.id, "invite_members");
    expect(ok(await as(grantee, MINE)).organizations).toEqual([
      { id: organization.id, slug: organization.slug, viewerRole: null },
    ]);
    expect(ok(await as(grantee, BY_SLUG, { slug: organization.slug })).organization).toMatchObject({
      id: organization.id,
      viewerRole: null,
    });

    const email = `${randomSlug("inv")}@example.test`;
    const { res, requestId } = await tagged(t, INVITE, {
      token: grantee.token,
      variables: { input: { organizationId: organization.id, email, role: "MEMBER" } },
    });
    const invitation = ok(res).inviteMember;
    expect(await platformEventsOf(t, requestId)).toMatchObject([
      {
        action: "invitation.created",
        entity_id: invitation.id,
        actor_id: grantee.id,
        organization_id: organization.id,
      },
    ]);
    expect(ok(await as(grantee, INVITATIONS, { o: organization.id })).invitations).toEqual([
      { id: invitation.id },
    ]);

    // Only what was granted: members only (an ADMIN or OWNER invitation hands out a role the
    // grantee may not manage), no member or organization changes.
    for (const res of [
      await as(grantee, INVITE, {
        input: { organizationId: organization.id, email: `${randomSlug("a")}@example.test`, role: "ADMIN" },
      }),
      await as(grantee, INVITE, {
        input: { organizationId: organization.id, email: `${randomSlug("o")}@example.test`, role: "OWNER" },
      }),
      await as(grantee, SET_ROLE, { o: organization.id, u: member.id, r: "ADMIN" }),
      await as(grantee, REMOVE, { o: organization.id, u: member.id }),
      await as(grantee, UPDATE, { id: organization.id, input: { name: "Mine" } }),
    ]) {
      expect(errorCode(res)).toBe("FORBIDDEN");
    }
    // A grant on one organization says nothing about another.
    expect(ok(await as(grantee, BY_SLUG, { slug: other.organization.slug })).organization).toBeNull();
    expect(
      errorCode(
        await as(grantee, INVITE, {
          input: { organizationId: other.organization.id, email: `${randomSlug("x")}@example.test` },
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("manage_organization: renames (recorded as the grantee), but may not change the plan", async () => {
    const { organization } = await organizationOf();
    const grantee = await accountWithToken(t);
    expect(errorCode(await as(grantee, UPDATE, { id: organization.id, input: { name: "Nope" } }))).toBe(
      "NOT_FOUND",
    );
    await grantOn(t, grantee.id, "ORGANIZATION", organization.id, "manage_organization");
    const { res, requestId } = await tagged(t, UPDATE, {
      token: grantee.token,
      variables: { id: organization.id, input: { name: "Granted Name" } },
    });
    expect(ok(res).updateOrganization.name).toBe("Granted Name");
    expect(await platformEventsOf(t, requestId)).toMatchObject([
      {
        action: "organization.updated",
        actor_id: grantee.id,
        changes: { name: { before: "Granting Co", after: "Granted Name" } },
      },
    ]);
    expect(errorCode(await as(grantee, UPDATE, { id: organization.id, input: { plan: "ENTERPRISE" } }))).toBe(
      "FORBIDDEN",
    );
    expect(errorCode(await as(grantee, INVITATIONS, { o: organization.id }))).toBe("FORBIDDEN");
  });

  it("stops working on the next request once the grant is gone", async () => {
    const { organization } = await organizationOf();
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "ORGANIZATION", organization.id, "invite_members");
    expect(ok(await as(grantee, INVITATIONS, { o: organization.id })).invitations).toEqual([]);
    await t.db.platform.objectPermission.deleteMany({ where: { accountId: grantee.id } });
    // Removed by hand, so announced as the product's revocation is (organization-access-cache tests).
    await platformAccessChangedDirectly(t);
    expect(errorCode(await as(grantee, INVITATIONS, { o: organization.id }))).toBe("NOT_FOUND");
    expect(ok(await as(grantee, MINE)).organizations).toEqual([]);
  });

  it("a site grant does not show the site's organization (nor its members) to a non-member", async () => {
    const { organization } = await organizationOf();
    const site = await t.createSite(organization.id);
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "SITE", site.id, "admin_site");
    const res = await as(
      grantee,
      "query ($slug: String!) { site(slug: $slug) { id organization { id members { userId } } } }",
      {
        slug: site.slug,
      },
    );
    expect(res.json.data.site).toEqual({ id: site.id, organization: null });
    expect(ok(await as(grantee, MINE)).organizations).toEqual([]);
  });
});
