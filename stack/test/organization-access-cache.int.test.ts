import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAccessChangedDirectly } from "./fixtures";
import { atSubgraph, errorCode, type HttpResult, startTestStack, type TestStack } from "./helpers";
import { accountWithToken, organizationWith } from "./sites-helpers";

// The subgraphs keep an account's standing in an organization (role and organization grants)
// across requests (docs/decisions/0031); every change of a membership or grant made through the
// product holds on the account's very next request, whether it takes access away or gives it.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof accountWithToken>>;

const INVITATIONS = "query ($o: ID!) { invitations(organizationId: $o) { id } }";
/** Organization.sites in the sites subgraph, as the gateway asks it (the sites subgraph checks the standing itself). */
const SITES_OF = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { sites { slug } } } }`;
const SET_ROLE = `mutation ($o: ID!, $u: ID!, $r: OrganizationRole!) {
  updateMemberRole(organizationId: $o, userId: $u, role: $r) { role } }`;
const REMOVE = "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const GRANT = "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }";
const REVOKE = "mutation ($id: ID!) { revokePermission(id: $id) }";

const as = (who: Account, query: string, variables: unknown = {}) =>
  t.gql(query, { token: who.token, variables });
const done = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};
/** What the account gets listing the organization's invitations (invite_members): "ok" or the error code. */
const invitations = async (who: Account, organizationId: string) =>
  errorCode(await as(who, INVITATIONS, { o: organizationId })) ?? "ok";

/** What the account gets asking the sites subgraph for the organization's sites. */
const sitesOf = async (who: Account, organizationId: string) => {
  const res = await atSubgraph(
    t,
    "sites",
    { actor: { type: "account", id: who.id } },
    { query: SITES_OF, variables: { r: [{ __typename: "Organization", id: organizationId }] } },
  );
  return errorCode(res) ?? res.json.data._entities[0].sites.length;
};

/** An organization with an owner and an ADMIN (who may list invitations). */
const organizationOf = async () => {
  const { organization, members } = await organizationWith(t, "OWNER", "ADMIN");
  const [owner, admin] = members;
  return { organization, owner, admin };
};

describe("an account's standing in an organization, kept across requests", () => {
  it("is kept: a membership removed in SQL by hand counts until the change is announced", async () => {
    const { organization, admin } = await organizationOf();
    expect(await invitations(admin, organization.id)).toBe("ok");
    await t.db.pool.query(`DELETE FROM platform.organization_members WHERE account_id = $1`, [admin.id]);
    // Nothing told the subgraphs: the kept standing still counts (what the cache saves is this query).
    expect(await invitations(admin, organization.id)).toBe("ok");
    await platformAccessChangedDirectly(t);
    expect(await invitations(admin, organization.id)).toBe("NOT_FOUND");
  });

  it("a member removed through the product loses the organization on the next request, in every subgraph", async () => {
    const { organization, owner, admin } = await organizationOf();
    await t.createSite(organization.id);
    expect(await invitations(admin, organization.id)).toBe("ok");
    // The sites subgraph asks the same question for Organization.sites, in the same process.
    expect(await sitesOf(admin, organization.id)).toBe(1);
    done(await as(owner, REMOVE, { o: organization.id, u: admin.id }));
    expect(await invitations(admin, organization.id)).toBe("NOT_FOUND");
    // Organization.sites lists nothing to whoever may not see the organization.
    expect(await sitesOf(admin, organization.id)).toBe(0);
  });

  it("a role lowered through the product holds on the next request", async () => {
    const { organization, owner, admin } = await organizationOf();
    expect(await invitations(admin, organization.id)).toBe("ok");
    expect(done(await as(owner, SET_ROLE, { o: organization.id, u: admin.id, r: "MEMBER" }))).toEqual({
      updateMemberRole: { role: "MEMBER" },
    });
    expect(await invitations(admin, organization.id)).toBe("FORBIDDEN");
  });

  it("a grant given counts on the next request (a refusal is not kept past it); revoked, it stops", async () => {
    const { organization, owner } = await organizationOf();
    const grantee = await accountWithToken(t);
    expect(await invitations(grantee, organization.id)).toBe("NOT_FOUND");
    const grant = done(
      await as(owner, GRANT, {
        input: {
          accountId: grantee.id,
          permission: "invite_members",
          objectType: "ORGANIZATION",
          objectId: organization.id,
        },
      }),
    ).grantPermission;
    expect(await invitations(grantee, organization.id)).toBe("ok");
    expect(done(await as(owner, REVOKE, { id: grant.id }))).toEqual({ revokePermission: true });
    expect(await invitations(grantee, organization.id)).toBe("NOT_FOUND");
  });

  it("a deleted account's standing goes with it: the same id holds nothing in the organization", async () => {
    const { organization, admin } = await organizationOf();
    expect(await invitations(admin, organization.id)).toBe("ok");
    // The cascade deletes the membership; the trigger bumps the version; announced as a product write would.
    await t.db.platform.account.delete({ where: { id: admin.id } });
    await platformAccessChangedDirectly(t);
    expect(await invitations(admin, organization.id)).not.toBe("ok");
  });

  it("an organization id that is no uuid is refused as such, never read nor kept", async () => {
    const { admin } = await organizationOf();
    for (const id of ["not-a-uuid", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000G"]) {
      expect(await invitations(admin, id)).toBe("BAD_USER_INPUT");
    }
  });
});
