import { randomUUID } from "node:crypto";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAuditRows, auditRows, expectNoEvent, expectOneEvent, tagged } from "./fixtures";
import { errorCode, errorOf, signedInAccount, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
type Account = Awaited<ReturnType<typeof signedInAccount>>;
let owner: Account;
let admin: Account;
let member: Account;
let superuser: Account;
let organization: { id: string };
let site: { id: string; slug: string };

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  [owner, admin, member, superuser] = await Promise.all([
    signedInAccount(t),
    signedInAccount(t),
    signedInAccount(t),
    signedInAccount(t, { isSuperuser: true }),
  ]);
  organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Grants Org",
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
  site = await t.createSite(organization.id);
});
afterAll(() => t.close());

const GRANT_FIELDS = "id permission principalType principalId objectType objectId createdAt";
const GRANT = `mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { ${GRANT_FIELDS} } }`;
const REVOKE = "mutation ($id: ID!) { revokePermission(id: $id) }";
const GRANTS = `query ($p: ID, $t: String, $o: ID) { permissionGrants(principalId: $p, objectType: $t, objectId: $o) { ${GRANT_FIELDS} } }`;
const MY = "{ myPermissions { scope admin permissions objects { permission objectType objectId } } }";
const SITE = "query ($slug: String!) { site(slug: $slug) { id slug } }";

const as = (account: Account, query: string, variables?: Record<string, unknown>) =>
  tagged(t, query, { auth: `Bearer ${account.token}`, variables });
const onSite = (accountId: string, permission = "access_site", siteId = site.id) => ({
  input: { accountId, permission, objectType: "SITE", objectId: siteId },
});
const onOrganization = (
  accountId: string,
  permission = "invite_members",
  organizationId = organization.id,
) => ({
  input: { accountId, permission, objectType: "ORGANIZATION", objectId: organizationId },
});

describe("platform grants on a site", () => {
  it("an account granted access_site (not a member) sees the site from the next request; revoked, it does not", async () => {
    const grantee = await signedInAccount(t);
    expect((await as(grantee, SITE, { slug: site.slug })).res.json.data.site).toBeNull();
    expect((await as(grantee, MY)).res.json.data.myPermissions.objects).toEqual([]);

    const granted = await as(owner, GRANT, onSite(grantee.id));
    const grant = granted.res.json.data.grantPermission;
    expect(grant).toMatchObject({
      permission: "access_site",
      principalType: "ACCOUNT",
      principalId: grantee.id,
      objectType: "SITE",
      objectId: site.id,
    });
    const event = await expectOneEvent(t, granted);
    expect(event).toMatchObject({
      action: "permission.granted",
      entity_type: "PermissionGrant",
      entity_id: grant.id,
      actor_type: "ACCOUNT",
      actor_id: owner.id,
      organization_id: organization.id,
      site_id: site.id,
    });
    expect((await auditRows(t, "platform", granted.requestId)).length).toBe(1);

    expect((await as(grantee, SITE, { slug: site.slug })).res.json.data.site).toEqual({
      id: site.id,
      slug: site.slug,
    });
    expect((await as(grantee, MY)).res.json.data.myPermissions).toEqual({
      scope: "platform",
      admin: false,
      permissions: [],
      objects: [{ permission: "access_site", objectType: "Site", objectId: site.id }],
    });

    // A repeat returns the grant and writes nothing.
    const again = await as(owner, GRANT, onSite(grantee.id));
    expect(again.res.json.data.grantPermission).toEqual(grant);
    expect(await allAuditRows(t, again.requestId)).toEqual([]);

    const revoked = await as(owner, REVOKE, { id: grant.id });
    expect(revoked.res.json.data.revokePermission).toBe(true);
    expect(await expectOneEvent(t, revoked)).toMatchObject({
      action: "permission.revoked",
      organization_id: organization.id,
      site_id: site.id,
      changes: { permission: { before: "access_site", after: null } },
    });
    expect((await as(grantee, SITE, { slug: site.slug })).res.json.data.site).toBeNull();
    expect((await as(grantee, MY)).res.json.data.myPermissions.objects).toEqual([]);
  });

  it("needs admin_site on the site: organization admins and site admins may, members and access_site holders may not", async () => {
    const grantee = await signedInAccount(t);
    const denied = await as(member, GRANT, onSite(grantee.id));
    await expectNoEvent(t, denied, "FORBIDDEN");
    await expectOneEvent(t, await as(admin, GRANT, onSite(grantee.id, "manage_site_users")));

    const siteAdmin = await signedInAccount(t);
    await t.db.platform.objectPermission.create({
      data: { accountId: siteAdmin.id, permission: "admin_site", objectType: "SITE", objectId: site.id },
    });
    await expectOneEvent(t, await as(siteAdmin, GRANT, onSite(grantee.id)));
    // Not on the organization, nor on another site of it.
    await expectNoEvent(t, await as(siteAdmin, GRANT, onOrganization(grantee.id)), "NOT_FOUND");
    const sibling = await t.createSite(organization.id);
    await expectNoEvent(
      t,
      await as(siteAdmin, GRANT, onSite(grantee.id, "access_site", sibling.id)),
      "NOT_FOUND",
    );

    // access_site lets its holder see the site, not grant on it.
    await expectNoEvent(t, await as(grantee, GRANT, onSite((await signedInAccount(t)).id)), "FORBIDDEN");
  });
});

describe("platform grants on an organization", () => {
  it("owners and superusers grant; admins and members may see but not (FORBIDDEN); outsiders may not see (NOT_FOUND)", async () => {
    const grantee = await signedInAccount(t);
    await expectNoEvent(t, await as(admin, GRANT, onOrganization(grantee.id)), "FORBIDDEN");
    await expectNoEvent(t, await as(member, GRANT, onOrganization(grantee.id)), "FORBIDDEN");
    const outsider = await signedInAccount(t);
    await expectNoEvent(t, await as(outsider, GRANT, onOrganization(grantee.id)), "NOT_FOUND");

    const granted = await as(owner, GRANT, onOrganization(grantee.id));
    expect(await expectOneEvent(t, granted)).toMatchObject({
      organization_id: organization.id,
      site_id: null,
    });
    const theirs = (await as(grantee, MY)).res.json.data.myPermissions;
    expect(theirs.objects).toEqual([
      { permission: "invite_members", objectType: "Organization", objectId: organization.id },
      { permission: "read", objectType: "Organization", objectId: organization.id },
    ]);
    await expectOneEvent(t, await as(superuser, GRANT, onOrganization(grantee.id, "manage_sites")));
    // manage_sites on the organization makes its holder admin of its sites: they may grant there.
    await expectOneEvent(t, await as(grantee, GRANT, onSite(outsider.id)));
  });

  it("refuses bad input naming the field, unknown objects and accounts; no event", async () => {
    const grantee = await signedInAccount(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ permission: "access_site", objectType: "SITE", objectId: site.id }, "accountId"],
      [
        {
          accountId: grantee.id,
          userId: grantee.id,
          permission: "access_site",
          objectType: "SITE",
          objectId: site.id,
        },
        "userId",
      ],
      [{ accountId: grantee.id, permission: "access_site", objectId: site.id }, "objectType"],
      [
        { accountId: grantee.id, permission: "access_site", objectType: "PROJECT", objectId: site.id },
        "objectType",
      ],
      [{ accountId: grantee.id, permission: "access_site", objectType: "SITE" }, "objectId"],
      [
        {
          accountId: grantee.id,
          permission: "access_site",
          objectType: "ORGANIZATION",
          objectId: organization.id,
        },
        "permission",
      ],
      [
        { accountId: grantee.id, permission: "users.view", objectType: "SITE", objectId: site.id },
        "permission",
      ],
    ];
    for (const [input, field] of cases) {
      const res = await as(owner, GRANT, { input });
      await expectNoEvent(t, res, "BAD_USER_INPUT");
      expect(errorOf(res.res)?.field, JSON.stringify(input)).toBe(field);
    }
    await expectNoEvent(
      t,
      await as(owner, GRANT, onSite(grantee.id, "access_site", randomUUID())),
      "NOT_FOUND",
    );
    await expectNoEvent(
      t,
      await as(owner, GRANT, onOrganization(grantee.id, "invite_members", randomUUID())),
      "NOT_FOUND",
    );
    await expectNoEvent(t, await as(owner, GRANT, onSite(randomUUID())), "NOT_FOUND");
    // A site token or an API key never reaches the platform's grants.
    expect(errorCode(await t.gql(GRANT, { variables: onSite(grantee.id) }))).toBe("UNAUTHENTICATED");
  });

  it("revokePermission: NOT_FOUND when unknown or unseen, FORBIDDEN without the authority to grant it", async () => {
    const grantee = await signedInAccount(t);
    const grant = (await as(owner, GRANT, onOrganization(grantee.id))).res.json.data.grantPermission;
    await expectNoEvent(t, await as(owner, REVOKE, { id: randomUUID() }), "NOT_FOUND");
    await expectNoEvent(t, await as(await signedInAccount(t), REVOKE, { id: grant.id }), "NOT_FOUND");
    await expectNoEvent(t, await as(member, REVOKE, { id: grant.id }), "FORBIDDEN");
    // The grantee sees the organization through the grant, but may not take grants away.
    await expectNoEvent(t, await as(grantee, REVOKE, { id: grant.id }), "FORBIDDEN");
    await expectOneEvent(t, await as(superuser, REVOKE, { id: grant.id }));
  });
});

describe("permissionGrants, myPermissions and permissionCatalog on the platform", () => {
  it("lists grants on what the caller administers; a superuser sees all", async () => {
    const grantee = await signedInAccount(t);
    const onOrg = (await as(owner, GRANT, onOrganization(grantee.id))).res.json.data.grantPermission.id;
    const onTheSite = (await as(owner, GRANT, onSite(grantee.id))).res.json.data.grantPermission.id;
    const ids = async (account: Account, variables: Record<string, unknown>) =>
      (await as(account, GRANTS, variables)).res.json.data.permissionGrants.map((g: { id: string }) => g.id);
    expect(await ids(owner, { p: grantee.id })).toEqual([onOrg, onTheSite]);
    expect(await ids(owner, { p: grantee.id, t: "SITE" })).toEqual([onTheSite]);
    expect(await ids(superuser, { p: grantee.id })).toEqual([onOrg, onTheSite]);
    // An organization admin administers its sites, not the organization's grants.
    expect(await ids(admin, { p: grantee.id })).toEqual([onTheSite]);
    expect(await ids(member, { p: grantee.id })).toEqual([]);
    expect(await ids(grantee, { p: grantee.id })).toEqual([]);
  });

  it("myPermissions: an owner holds every organization permission; a superuser every permission", async () => {
    const mine = (await as(owner, MY)).res.json.data.myPermissions;
    expect(mine).toMatchObject({ scope: "platform", admin: false, permissions: [] });
    expect(mine.objects.map((o: { permission: string }) => o.permission)).toEqual([
      "delete_organization",
      "invite_members",
      "manage_members",
      "manage_organization",
      "manage_owners",
      "manage_sites",
      "read",
    ]);
    const su = (await as(superuser, MY)).res.json.data.myPermissions;
    expect(su.admin).toBe(true);
    expect(su.permissions).toEqual(
      expect.arrayContaining(["access_site", "admin_site", "manage_organization", "manage_site_users"]),
    );
    expect(errorCode(await t.gql(MY))).toBe("UNAUTHENTICATED");
  });

  it("the catalog lists the grantable organization and site permissions", async () => {
    const catalog = (await as(member, "{ permissionCatalog { name objectTypes } }")).res.json.data
      .permissionCatalog;
    expect(catalog).toEqual([
      { name: "manage_organization", objectTypes: ["ORGANIZATION"] },
      { name: "invite_members", objectTypes: ["ORGANIZATION"] },
      { name: "manage_sites", objectTypes: ["ORGANIZATION"] },
      { name: "access_site", objectTypes: ["SITE"] },
      { name: "manage_site_users", objectTypes: ["SITE"] },
      { name: "admin_site", objectTypes: ["SITE"] },
    ]);
  });
});
