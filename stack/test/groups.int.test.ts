import { randomUUID } from "node:crypto";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiKeyDirectly,
  expectNoEvent,
  expectOneEvent,
  grantDirectly,
  groupDirectly,
  siteUser,
  tagged,
} from "./fixtures";
import {
  atSubgraph,
  createSiteWithAdmin,
  createWorld,
  errorCode,
  errorOf,
  signedIn,
  startTestStack,
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

const GROUP =
  "id name description createdAt members { id email } permissions { permission principalType principalId objectType objectId }";
const CREATE = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { ${GROUP} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { ${GROUP} } }`;
const DELETE = "mutation ($id: ID!) { deleteGroup(id: $id) }";
const ADD = `mutation ($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { ${GROUP} } }`;
const REMOVE = `mutation ($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { ${GROUP} } }`;
const GRANT = "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }";
const GROUPS = `{ groups { ${GROUP} } }`;
const ONE = `query ($id: ID!) { group(id: $id) { ${GROUP} } }`;
const USERS = "{ users { edges { node { id } } } }";

const bearer = (token: string) => `Bearer ${token}`;
/** A request to the home site as `auth` (a bearer token by default: the site admin's). */
const home$ = (query: string, variables?: Record<string, unknown>, auth = bearer(admin)) =>
  tagged(t, query, { tenant: home.site.slug, auth, variables });

describe("groups: create, read, update, delete", () => {
  it("creates, lists by name, finds by id, renames, clears and deletes: one event each, with its diff", async () => {
    const name = `Editors ${randomSlug("g")}`;
    const created = await home$(CREATE, { input: { name: `  ${name} `, description: "People who edit" } });
    const group = created.res.json.data.createGroup;
    expect(group).toMatchObject({ name, description: "People who edit", members: [], permissions: [] });
    expect(await expectOneEvent(t, created)).toMatchObject({
      action: "group.created",
      entity_type: "Group",
      entity_id: group.id,
      actor_type: "USER",
      changes: {
        name: { before: null, after: name },
        description: { before: null, after: "People who edit" },
      },
    });

    const listed: string[] = (await home$(GROUPS)).res.json.data.groups.map((g: { name: string }) => g.name);
    expect(listed).toContain(name);
    expect(listed).toEqual([...listed].sort());
    expect((await home$(ONE, { id: group.id })).res.json.data.group).toEqual(group);

    const renamed = await home$(UPDATE, { id: group.id, input: { name: `${name} 2` } });
    expect(renamed.res.json.data.updateGroup).toMatchObject({
      name: `${name} 2`,
      description: "People who edit",
    });
    expect((await expectOneEvent(t, renamed)).changes).toEqual({
      name: { before: name, after: `${name} 2` },
    });

    const cleared = await home$(UPDATE, { id: group.id, input: { description: null } });
    expect(cleared.res.json.data.updateGroup.description).toBeNull();
    expect((await expectOneEvent(t, cleared)).changes).toEqual({
      description: { before: "People who edit", after: null },
    });

    const deleted = await home$(DELETE, { id: group.id });
    expect(deleted.res.json.data.deleteGroup).toBe(true);
    expect(await expectOneEvent(t, deleted)).toMatchObject({
      action: "group.deleted",
      entity_id: group.id,
      changes: { name: { before: `${name} 2`, after: null } },
    });
    expect((await home$(ONE, { id: group.id })).res.json.data.group).toBeNull();
  });

  it("CONFLICT on a taken name, BAD_USER_INPUT naming the field, NOT_FOUND for unknown ids; no event", async () => {
    const name = randomSlug("taken");
    await groupDirectly(t, home.site, name);
    const conflict = await home$(CREATE, { input: { name } });
    await expectNoEvent(t, conflict, "CONFLICT");
    expect(errorOf(conflict.res)?.field).toBe("name");
    const rename = await home$(UPDATE, { id: await groupDirectly(t, home.site), input: { name } });
    await expectNoEvent(t, rename, "CONFLICT");
    expect(errorOf(rename.res)?.field).toBe("name");

    for (const [input, field] of [
      [{ name: " " }, "name"],
      [{ name: randomSlug("ok"), description: "x".repeat(501) }, "description"],
    ] as const) {
      const bad = await home$(CREATE, { input });
      await expectNoEvent(t, bad, "BAD_USER_INPUT");
      expect(errorOf(bad.res)?.field).toBe(field);
    }

    // Another site's group is unknown here, like any other id.
    const foreign = await groupDirectly(t, other.site);
    for (const id of [randomUUID(), "not-an-id", foreign]) {
      await expectNoEvent(t, await home$(UPDATE, { id, input: { name: randomSlug("x") } }), "NOT_FOUND");
      await expectNoEvent(t, await home$(DELETE, { id }), "NOT_FOUND");
      expect((await home$(ONE, { id })).res.json).toEqual({ data: { group: null } });
    }
  });

  it("who may: groups.view to read, groups.manage to change; signed out, plain users and the platform refused", async () => {
    const group = await groupDirectly(t, home.site);
    const plain = await siteUser(t, home.site);
    const plainAuth = bearer(await plain.token());
    expect(errorCode((await home$(GROUPS, {}, plainAuth)).res)).toBe("FORBIDDEN");
    expect(errorCode((await home$(ONE, { id: group }, plainAuth)).res)).toBe("FORBIDDEN");
    await expectNoEvent(t, await home$(CREATE, { input: { name: randomSlug("g") } }, plainAuth), "FORBIDDEN");
    const anonymous = await tagged(t, CREATE, {
      tenant: home.site.slug,
      variables: { input: { name: "x" } },
    });
    await expectNoEvent(t, anonymous, "UNAUTHENTICATED");
    const platform = await tagged(t, GROUPS, { auth: bearer(await t.token(world.owner.id, null)) });
    expect(errorCode(platform.res)).toBe("BAD_USER_INPUT");

    // An API key with groups.view reads; with groups.manage it changes.
    const viewer = await apiKeyDirectly(t, home.site, ["groups.view"]);
    expect(
      (await home$(GROUPS, {}, viewer.auth)).res.json.data.groups.map((g: { id: string }) => g.id),
    ).toContain(group);
    await expectNoEvent(t, await home$(DELETE, { id: group }, viewer.auth), "FORBIDDEN");
    const manager = await apiKeyDirectly(t, home.site, ["groups.manage"]);
    const made = await home$(CREATE, { input: { name: randomSlug("by-key") } }, manager.auth);
    expect(await expectOneEvent(t, made)).toMatchObject({ actor_type: "API_KEY", actor_id: manager.id });
  });
});

describe("group membership", () => {
  it("adds and removes members; a repeat changes nothing but is still one event without changes", async () => {
    const group = await groupDirectly(t, home.site);
    const [u1, u2] = [await siteUser(t, home.site), await siteUser(t, home.site)];
    const added = await home$(ADD, { g: group, u: u1.id });
    expect(added.res.json.data.addGroupMember.members).toEqual([{ id: u1.id, email: u1.email }]);
    expect(await expectOneEvent(t, added)).toMatchObject({
      action: "group.member_added",
      entity_type: "Group",
      entity_id: group,
      changes: { member: { before: null, after: u1.id } },
    });
    await home$(ADD, { g: group, u: u2.id });
    const again = await home$(ADD, { g: group, u: u1.id });
    expect(again.res.json.data.addGroupMember.members.map((m: { id: string }) => m.id)).toEqual([
      u1.id,
      u2.id,
    ]);
    expect((await expectOneEvent(t, again)).changes).toBeNull();

    const removed = await home$(REMOVE, { g: group, u: u1.id });
    expect(removed.res.json.data.removeGroupMember.members.map((m: { id: string }) => m.id)).toEqual([u2.id]);
    expect(await expectOneEvent(t, removed)).toMatchObject({
      action: "group.member_removed",
      changes: { member: { before: u1.id, after: null } },
    });
    const removedAgain = await home$(REMOVE, { g: group, u: u1.id });
    expect((await expectOneEvent(t, removedAgain)).changes).toBeNull();
  });

  it("NOT_FOUND for an unknown group or user, and for another site's; no event", async () => {
    const group = await groupDirectly(t, home.site);
    const user = await siteUser(t, home.site);
    const foreignUser = await siteUser(t, other.site);
    const foreignGroup = await groupDirectly(t, other.site);
    for (const [g, u] of [
      [randomUUID(), user.id],
      [foreignGroup, user.id],
      [group, randomUUID()],
      [group, foreignUser.id],
      [group, "nope"],
    ]) {
      await expectNoEvent(t, await home$(ADD, { g, u }), "NOT_FOUND");
      await expectNoEvent(t, await home$(REMOVE, { g, u }), "NOT_FOUND");
    }
  });

  it("what a group carries, its members hold from their next request; no longer once removed or deleted", async () => {
    const group = (await home$(CREATE, { input: { name: randomSlug("viewers") } })).res.json.data.createGroup
      .id;
    const granted = await home$(GRANT, { input: { groupId: group, permission: "users.view" } });
    await expectOneEvent(t, granted);
    const user = await siteUser(t, home.site);
    const auth = bearer(await user.token());
    const MY = "{ myPermissions { permissions } }";
    expect(errorCode((await home$(USERS, {}, auth)).res)).toBe("FORBIDDEN");

    await home$(ADD, { g: group, u: user.id });
    expect((await home$(USERS, {}, auth)).res.json.errors).toBeUndefined();
    expect((await home$(MY, {}, auth)).res.json.data.myPermissions.permissions).toEqual(["users.view"]);
    const shown = (await home$(ONE, { id: group })).res.json.data.group;
    expect(shown.permissions).toEqual([
      {
        permission: "users.view",
        principalType: "GROUP",
        principalId: group,
        objectType: null,
        objectId: null,
      },
    ]);

    await home$(REMOVE, { g: group, u: user.id });
    expect(errorCode((await home$(USERS, {}, auth)).res)).toBe("FORBIDDEN");

    await home$(ADD, { g: group, u: user.id });
    expect((await home$(USERS, {}, auth)).res.json.errors).toBeUndefined();
    await home$(DELETE, { id: group });
    expect(errorCode((await home$(USERS, {}, auth)).res)).toBe("FORBIDDEN");
    expect((await home$(MY, {}, auth)).res.json.data.myPermissions.permissions).toEqual([]);
  });

  it("adding a member hands out what the group carries: refused unless the caller holds all of it", async () => {
    const group = await groupDirectly(t, home.site);
    await grantDirectly(t, home.site, { groupId: group }, "audit.view");
    const manager = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: manager.id }, "groups.manage");
    const auth = bearer(await manager.token());
    const self = await home$(ADD, { g: group, u: manager.id }, auth);
    await expectNoEvent(t, self, "FORBIDDEN");
    expect(errorOf(self.res)?.message).toMatch(/audit\.view/);
    // A group without such grants is fine; and the admin, who holds everything, may add to any.
    const plainGroup = await groupDirectly(t, home.site);
    await expectOneEvent(t, await home$(ADD, { g: plainGroup, u: manager.id }, auth));
    await expectOneEvent(t, await home$(ADD, { g: group, u: manager.id }));
  });
});

describe("object-level groups.manage", () => {
  it("lets its holder change that group and its members only: FORBIDDEN on another, and for site-wide changes", async () => {
    const [mine, theirs] = [await groupDirectly(t, home.site), await groupDirectly(t, home.site)];
    const holder = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: holder.id }, "groups.manage", { type: "Group", id: mine });
    const auth = bearer(await holder.token());
    const member = await siteUser(t, home.site);

    await expectOneEvent(t, await home$(UPDATE, { id: mine, input: { description: "mine" } }, auth));
    await expectOneEvent(t, await home$(ADD, { g: mine, u: member.id }, auth));
    await expectOneEvent(t, await home$(REMOVE, { g: mine, u: member.id }, auth));
    // groups.manage on it implies groups.view on it.
    expect((await home$(ONE, { id: mine }, auth)).res.json.data.group.id).toBe(mine);

    await expectNoEvent(
      t,
      await home$(UPDATE, { id: theirs, input: { description: "no" } }, auth),
      "FORBIDDEN",
    );
    await expectNoEvent(t, await home$(ADD, { g: theirs, u: member.id }, auth), "FORBIDDEN");
    await expectNoEvent(t, await home$(REMOVE, { g: theirs, u: member.id }, auth), "FORBIDDEN");
    expect(errorCode((await home$(ONE, { id: theirs }, auth)).res)).toBe("FORBIDDEN");
    expect(errorCode((await home$(GROUPS, {}, auth)).res)).toBe("FORBIDDEN");
    await expectNoEvent(t, await home$(CREATE, { input: { name: randomSlug("g") } }, auth), "FORBIDDEN");
    await expectNoEvent(t, await home$(DELETE, { id: mine }, auth), "FORBIDDEN");
  });
});

describe("_entities", () => {
  it("resolves Group for a caller with groups.view in its own site only", async () => {
    const group = await groupDirectly(t, home.site, randomSlug("entity"));
    const viewer = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: viewer.id }, "groups.view");
    const plain = await siteUser(t, home.site);
    const resolve = async (site: typeof home.site, actorId: string) => {
      const res = await atSubgraph(
        t,
        "identity",
        {
          requestId: "entities",
          tenant: { siteId: site.id, slug: site.slug, schema: site.schemaName },
          actor: { type: "user", id: actorId },
        },
        {
          query: "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Group { id name } } }",
          variables: {
            r: [
              { __typename: "Group", id: group },
              { __typename: "Group", id: randomUUID() },
            ],
          },
        },
      );
      return res.json.data._entities;
    };
    const name = (
      await t.db.pool.query(`SELECT name FROM "${home.site.schemaName}".groups WHERE id = $1`, [group])
    ).rows[0]?.name;
    expect(await resolve(home.site, viewer.id)).toEqual([{ id: group, name }, null]);
    expect(await resolve(home.site, plain.id)).toEqual([null, null]);
    expect(await resolve(other.site, viewer.id)).toEqual([null, null]);
  });
});
