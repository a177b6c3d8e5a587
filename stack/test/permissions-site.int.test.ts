import { randomUUID } from "node:crypto";
import { SITE_PERMISSION_NAMES } from "@taruvi/auth";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accessChangedDirectly,
  allAuditRows,
  apiKeyDirectly,
  expectNoEvent,
  expectOneEvent,
  grantDirectly,
  groupDirectly,
  siteUser,
  tagged,
} from "./fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  errorCode,
  errorOf,
  signedIn,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let home: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let other: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let admin: string;

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  world = await createWorld(t);
  [home, other] = await Promise.all([
    createSiteWithAdmin(t, world.organization.id),
    createSiteWithAdmin(t, world.organization.id),
  ]);
  admin = (await signedIn(t, home.admin, home.site.slug)).accessToken;
});
afterAll(() => t.close());

const GRANT_FIELDS = "id permission principalType principalId objectType objectId createdAt";
const GRANT = `mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { ${GRANT_FIELDS} } }`;
const REVOKE = "mutation ($id: ID!) { revokePermission(id: $id) }";
const GRANTS = `query ($p: ID, $t: String, $o: ID) { permissionGrants(principalId: $p, objectType: $t, objectId: $o) { ${GRANT_FIELDS} } }`;
const MY = "{ myPermissions { scope admin permissions objects { permission objectType objectId } } }";
const USERS = "{ users { edges { node { id } } } }";
const UPDATE_USER = 'mutation ($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { id name } }';
const CREATE_KEY =
  "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id scopes } } }";

const bearer = (token: string) => `Bearer ${token}`;
const home$ = (query: string, variables?: Record<string, unknown>, auth = bearer(admin)) =>
  tagged(t, query, { tenant: home.site.slug, auth, variables });
/** A user of the home site holding `permissions` model-wide (granted directly), with a token. */
const holder = async (...permissions: string[]) => {
  const user = await siteUser(t, home.site);
  for (const permission of permissions) await grantDirectly(t, home.site, { userId: user.id }, permission);
  return { ...user, auth: bearer(await user.token()) };
};
const grantRows = async (userId: string) =>
  (
    await t.db.pool.query(`SELECT id FROM "${home.site.schemaName}".permission_grants WHERE user_id = $1`, [
      userId,
    ])
  ).rows;

describe("grantPermission and revokePermission in a site", () => {
  it("grants a permission (one event with its diff), which counts from the next request until revoked", async () => {
    const user = await holder();
    expect(errorCode((await home$(USERS, {}, user.auth)).res)).toBe("FORBIDDEN");
    const granted = await home$(GRANT, { input: { userId: user.id, permission: "users.view" } });
    const grant = granted.res.json.data.grantPermission;
    expect(grant).toMatchObject({
      permission: "users.view",
      principalType: "USER",
      principalId: user.id,
      objectType: null,
      objectId: null,
    });
    expect(await expectOneEvent(t, granted)).toMatchObject({
      action: "permission.granted",
      entity_type: "PermissionGrant",
      entity_id: grant.id,
      actor_type: "USER",
      changes: {
        permission: { before: null, after: "users.view" },
        principalType: { before: null, after: "USER" },
        principalId: { before: null, after: user.id },
      },
    });
    expect((await home$(USERS, {}, user.auth)).res.json.errors).toBeUndefined();

    const revoked = await home$(REVOKE, { id: grant.id });
    expect(revoked.res.json.data.revokePermission).toBe(true);
    expect(await expectOneEvent(t, revoked)).toMatchObject({
      action: "permission.revoked",
      entity_id: grant.id,
      changes: { permission: { before: "users.view", after: null } },
    });
    expect(errorCode((await home$(USERS, {}, user.auth)).res)).toBe("FORBIDDEN");
    await expectNoEvent(t, await home$(REVOKE, { id: grant.id }), "NOT_FOUND");
  });

  it("granting the same thing again returns the existing grant: no second row, and no event", async () => {
    const user = await holder();
    const input = { userId: user.id, permission: "groups.view" };
    const first = await home$(GRANT, { input });
    await expectOneEvent(t, first);
    const again = await home$(GRANT, { input });
    expect(again.res.json.data.grantPermission).toEqual(first.res.json.data.grantPermission);
    expect(await allAuditRows(t, again.requestId)).toEqual([]);
    // Concurrent repeats still make one row.
    const group = await groupDirectly(t, home.site);
    const onGroup = { userId: user.id, permission: "groups.manage", objectType: "Group", objectId: group };
    const results = await Promise.all([1, 2, 3].map(() => home$(GRANT, { input: onGroup })));
    expect(new Set(results.map((r) => r.res.json.data.grantPermission.id)).size).toBe(1);
    expect(await grantRows(user.id)).toHaveLength(2);
  });

  it("refuses bad input naming the field, and unknown principals or objects (NOT_FOUND); no event", async () => {
    const user = await holder();
    const group = await groupDirectly(t, home.site);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ permission: "users.view" }, "BAD_USER_INPUT", "userId"],
      [{ permission: "users.view", userId: user.id, groupId: group }, "BAD_USER_INPUT", "groupId"],
      [{ permission: "users.view", accountId: world.owner.id }, "BAD_USER_INPUT", "accountId"],
      [{ permission: "sites.destroy", userId: user.id }, "BAD_USER_INPUT", "permission"],
      [{ permission: "groups.view", userId: user.id, objectType: "Group" }, "BAD_USER_INPUT", "objectId"],
      [{ permission: "groups.view", userId: user.id, objectId: group }, "BAD_USER_INPUT", "objectType"],
      [
        { permission: "groups.view", userId: user.id, objectType: "Site", objectId: group },
        "BAD_USER_INPUT",
        "objectType",
      ],
      [
        { permission: "audit.view", userId: user.id, objectType: "Group", objectId: group },
        "BAD_USER_INPUT",
        "permission",
      ],
    ];
    for (const [input, code, field] of cases) {
      const res = await home$(GRANT, { input });
      await expectNoEvent(t, res, code);
      expect(errorOf(res.res)?.field, JSON.stringify(input)).toBe(field);
    }
    const invalid = await home$(GRANT, { input: { permission: "nope", userId: user.id } });
    for (const name of SITE_PERMISSION_NAMES) expect(errorOf(invalid.res)?.message).toContain(name);

    const foreignUser = await siteUser(t, other.site);
    for (const input of [
      { permission: "users.view", userId: randomUUID() },
      { permission: "users.view", userId: foreignUser.id },
      { permission: "users.view", groupId: randomUUID() },
      { permission: "users.view", apiKeyId: randomUUID() },
      { permission: "groups.view", userId: user.id, objectType: "Group", objectId: randomUUID() },
      { permission: "users.view", userId: user.id, objectType: "User", objectId: foreignUser.id },
    ]) {
      await expectNoEvent(t, await home$(GRANT, { input }), "NOT_FOUND");
    }
  });

  it("needs permissions.manage, and the permission itself: nobody grants or revokes more than they hold", async () => {
    const target = await holder();
    const plain = await holder("users.view");
    await expectNoEvent(
      t,
      await home$(GRANT, { input: { userId: target.id, permission: "users.view" } }, plain.auth),
      "FORBIDDEN",
    );
    const granter = await holder("permissions.manage", "users.view");
    const escalation = await home$(
      GRANT,
      { input: { userId: target.id, permission: "audit.view" } },
      granter.auth,
    );
    await expectNoEvent(t, escalation, "FORBIDDEN");
    expect(errorOf(escalation.res)).toMatchObject({ field: "permission" });
    // Not even to themself.
    await expectNoEvent(
      t,
      await home$(GRANT, { input: { userId: granter.id, permission: "audit.view" } }, granter.auth),
      "FORBIDDEN",
    );
    await expectOneEvent(
      t,
      await home$(GRANT, { input: { userId: target.id, permission: "users.view" } }, granter.auth),
    );
    // users.view is implied by users.manage, not the other way round.
    await expectNoEvent(
      t,
      await home$(GRANT, { input: { userId: target.id, permission: "users.manage" } }, granter.auth),
      "FORBIDDEN",
    );
    // Revoking a grant of what the caller does not hold is refused too.
    const auditGrant = await grantDirectly(t, home.site, { userId: target.id }, "audit.view");
    await expectNoEvent(t, await home$(REVOKE, { id: auditGrant }, granter.auth), "FORBIDDEN");
    await expectOneEvent(t, await home$(REVOKE, { id: auditGrant }));
    // Object grants: groups.manage on one group lets its holder grant it on that group only.
    const [mine, theirs] = [await groupDirectly(t, home.site), await groupDirectly(t, home.site)];
    await grantDirectly(t, home.site, { userId: granter.id }, "groups.manage", { type: "Group", id: mine });
    const on = (objectId: string) => ({
      input: { userId: target.id, permission: "groups.manage", objectType: "Group", objectId },
    });
    await expectOneEvent(t, await home$(GRANT, on(mine), granter.auth));
    await expectNoEvent(t, await home$(GRANT, on(theirs), granter.auth), "FORBIDDEN");
    await expectNoEvent(
      t,
      await home$(GRANT, { input: { userId: target.id, permission: "groups.manage" } }, granter.auth),
      "FORBIDDEN",
    );
  });

  it("object grants on a user: users.manage on one user lets its holder change that user only", async () => {
    const [mine, theirs] = [await holder(), await holder()];
    const manager = await holder();
    const granted = await home$(GRANT, {
      input: { userId: manager.id, permission: "users.manage", objectType: "User", objectId: mine.id },
    });
    expect(granted.res.json.data.grantPermission).toMatchObject({ objectType: "User", objectId: mine.id });
    await expectOneEvent(t, await home$(UPDATE_USER, { id: mine.id }, manager.auth));
    await expectNoEvent(t, await home$(UPDATE_USER, { id: theirs.id }, manager.auth), "FORBIDDEN");
    // users.manage on a user implies users.view on them, not the list.
    const ONE = "query ($id: ID!) { user(id: $id) { id } }";
    expect((await home$(ONE, { id: mine.id }, manager.auth)).res.json.data.user.id).toBe(mine.id);
    expect(errorCode((await home$(ONE, { id: theirs.id }, manager.auth)).res)).toBe("FORBIDDEN");
    expect(errorCode((await home$(USERS, {}, manager.auth)).res)).toBe("FORBIDDEN");
  });

  it("grants to an API key add to its scopes from its next request", async () => {
    const key = await apiKeyDirectly(t, home.site, []);
    expect(errorCode((await home$(USERS, {}, key.auth)).res)).toBe("FORBIDDEN");
    const granted = await home$(GRANT, { input: { apiKeyId: key.id, permission: "users.view" } });
    expect(granted.res.json.data.grantPermission).toMatchObject({
      principalType: "API_KEY",
      principalId: key.id,
    });
    expect((await home$(USERS, {}, key.auth)).res.json.errors).toBeUndefined();
  });

  it("permissionGrants lists the site's grants for permissions.manage, narrowed by holder and object", async () => {
    const user = await holder();
    const group = await groupDirectly(t, home.site);
    const a = await grantDirectly(t, home.site, { userId: user.id }, "users.view");
    const b = await grantDirectly(t, home.site, { userId: user.id }, "groups.view", {
      type: "Group",
      id: group,
    });
    const c = await grantDirectly(t, home.site, { groupId: group }, "audit.view");
    // Oldest first, ties (grants made in the same millisecond) broken by id.
    const byAge = async (...grants: string[]) =>
      (
        await t.db.pool.query<{ id: string }>(
          `SELECT id::text FROM "${home.site.schemaName}".permission_grants WHERE id = ANY($1::uuid[])
           ORDER BY created_at, id`,
          [grants],
        )
      ).rows.map((row) => row.id);
    const ids = async (variables: Record<string, unknown>, auth?: string) =>
      (await home$(GRANTS, variables, auth)).res.json.data.permissionGrants.map((g: { id: string }) => g.id);
    expect(await ids({ p: user.id })).toEqual(await byAge(a, b));
    expect(await ids({ t: "Group", o: group })).toEqual([b]);
    expect(await ids({ p: group })).toEqual([c]);
    expect(await ids({ p: "not-an-id" })).toEqual([]);
    const manager = await holder("permissions.manage");
    expect(await ids({ p: user.id }, manager.auth)).toEqual(await byAge(a, b));
    expect(errorCode((await home$(GRANTS, {}, (await holder("users.view")).auth)).res)).toBe("FORBIDDEN");
  });
});

describe("API keys cannot carry more than their creator", () => {
  it("refuses scopes that are not site permissions (BAD_USER_INPUT) or that the creator lacks (FORBIDDEN)", async () => {
    const bad = await home$(CREATE_KEY, { input: { name: "k", scopes: ["users.view", "everything"] } });
    await expectNoEvent(t, bad, "BAD_USER_INPUT");
    expect(errorOf(bad.res)?.field).toBe("scopes");

    // A key never makes keys, not even with the scopes it holds (api-keys-creator.int.test.ts).
    const keyManager = await apiKeyDirectly(t, home.site, ["apikeys.manage"]);
    const byKey = await home$(
      CREATE_KEY,
      { input: { name: "k", scopes: ["apikeys.manage"] } },
      keyManager.auth,
    );
    await expectNoEvent(t, byKey, "FORBIDDEN");

    const user = await holder("apikeys.manage", "users.view");
    const ok = await home$(CREATE_KEY, { input: { name: "k", scopes: ["users.view"] } }, user.auth);
    expect(ok.res.json.data.createApiKey.apiKey.scopes).toEqual(["users.view"]);
    await expectNoEvent(
      t,
      await home$(CREATE_KEY, { input: { name: "k", scopes: ["users.manage"] } }, user.auth),
      "FORBIDDEN",
    );
    // The site admin holds every permission.
    const all = await home$(CREATE_KEY, { input: { name: "all", scopes: SITE_PERMISSION_NAMES } });
    expect(all.res.json.data.createApiKey.apiKey.scopes).toEqual([...SITE_PERMISSION_NAMES].sort());
  });
});

describe("myPermissions and permissionCatalog in a site", () => {
  it("an admin holds everything; a user their grants and their groups' (implied ones included); a key its scopes", async () => {
    const mine = (await home$(MY)).res.json.data.myPermissions;
    expect(mine).toEqual({
      scope: `site:${home.site.id}`,
      admin: true,
      permissions: [...SITE_PERMISSION_NAMES].sort(),
      objects: [],
    });

    const user = await holder("users.manage");
    const group = await groupDirectly(t, home.site);
    await grantDirectly(t, home.site, { userId: user.id }, "groups.manage", { type: "Group", id: group });
    const team = await groupDirectly(t, home.site);
    await grantDirectly(t, home.site, { groupId: team }, "audit.view");
    await t.db.pool.query(
      `INSERT INTO "${home.site.schemaName}".group_members (group_id, user_id) VALUES ($1, $2)`,
      [team, user.id],
    );
    const theirs = (await home$(MY, {}, user.auth)).res.json.data.myPermissions;
    expect(theirs).toMatchObject({ admin: false, permissions: ["audit.view", "users.manage", "users.view"] });
    expect(theirs.objects).toEqual(
      expect.arrayContaining([
        { permission: "groups.manage", objectType: "Group", objectId: group },
        { permission: "groups.view", objectType: "Group", objectId: group },
      ]),
    );
    expect(theirs.objects).toHaveLength(2);

    const key = await apiKeyDirectly(t, home.site, ["groups.manage"]);
    expect((await home$(MY, {}, key.auth)).res.json.data.myPermissions).toEqual({
      scope: `site:${home.site.id}`,
      admin: false,
      permissions: ["groups.manage", "groups.view"],
      objects: [],
    });
    expect(errorCode((await tagged(t, MY, { tenant: home.site.slug })).res)).toBe("UNAUTHENTICATED");
  });

  it("the catalog lists every site permission with what it allows and where it may be granted", async () => {
    const catalog = (await home$("{ permissionCatalog { name description objectTypes } }")).res.json.data
      .permissionCatalog;
    expect(catalog.map((p: { name: string }) => p.name)).toEqual(SITE_PERMISSION_NAMES);
    expect(catalog.find((p: { name: string }) => p.name === "groups.manage")).toMatchObject({
      description: expect.stringContaining("groups"),
      objectTypes: ["Group"],
    });
    expect(catalog.find((p: { name: string }) => p.name === "audit.view").objectTypes).toEqual([]);
  });
});

describe("every site grant follows the users it names", () => {
  it("a deactivated user holds nothing, whatever was granted (even with a token the gateway still caches)", async () => {
    const user = await holder("users.view");
    expect((await home$(USERS, {}, user.auth)).res.json.errors).toBeUndefined();
    await t.db.pool.query(`UPDATE "${home.site.schemaName}".users SET is_active = false WHERE id = $1`, [
      user.id,
    ]);
    await accessChangedDirectly(t, home.site);
    // The gateway verified this token a moment ago and caches the verification for 30 s; the
    // subgraph reads the user's permissions again once the change is announced, and finds them
    // inactive.
    expect(errorCode((await home$(USERS, {}, user.auth)).res)).toBe("FORBIDDEN");
    expect((await home$(MY, {}, user.auth)).res.json.data.myPermissions).toMatchObject({
      admin: false,
      permissions: [],
    });
  });

  it("a signed-up user starts with no permissions", async () => {
    await t.db.pool.query(`UPDATE platform.sites SET settings = '{"allowSignup": true}' WHERE id = $1`, [
      home.site.id,
    ]);
    const res = await tagged(t, "mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }", {
      tenant: home.site.slug,
      variables: {
        input: { email: `${randomSlug("new")}@example.test`, password: strongPassword(), name: "New" },
      },
    });
    const token = res.res.json.data.signUp.accessToken;
    expect((await home$(MY, {}, bearer(token))).res.json.data.myPermissions).toMatchObject({
      admin: false,
      permissions: [],
      objects: [],
    });
  });
});
