import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantDirectly } from "./fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  errorCode,
  refreshAt,
  signedIn,
  signInAt,
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
  t = await startTestStack();
  world = await createWorld(t);
  [home, other] = await Promise.all([
    createSiteWithAdmin(t, world.organization.id),
    createSiteWithAdmin(t, world.organization.id),
  ]);
  admin = (await signedIn(t, home.admin, home.site.slug)).accessToken;
});
afterAll(() => t.close());

const USER = "id email name isActive isAdmin";
const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${USER} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER} } }`;
const DEACTIVATE = `mutation ($id: ID!) { deactivateUser(id: $id) { ${USER} } }`;
const RESTORE = `mutation ($id: ID!) { restoreUser(id: $id) { ${USER} } }`;
const USERS = `query ($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) { edges { cursor node { ${USER} } } pageInfo { hasNextPage endCursor } } }`;

const asAdmin = (query: string, variables?: unknown, token = admin) =>
  t.gql(query, { tenant: home.site.slug, token, variables });

/** A user of the home site created through createUser, with its credentials. */
const createUser = async (overrides: { name?: string; isAdmin?: boolean; tag?: string } = {}) => {
  const credentials = {
    email: `${overrides.tag ?? "u"}-${randomUUID()}@example.test`,
    password: strongPassword(),
  };
  const res = await asAdmin(CREATE, {
    input: { ...credentials, name: overrides.name ?? "Casey Created", isAdmin: overrides.isAdmin ?? false },
  });
  expect(res.json.errors).toBeUndefined();
  return { ...credentials, id: res.json.data.createUser.id as string };
};

describe("createUser", () => {
  it("creates a site user who can sign in at that site only", async () => {
    const res = await asAdmin(CREATE, {
      input: { email: " Mixed.Case@Example.Test ", password: strongPassword(), name: "Mixed Case" },
    });
    expect(res.json.data.createUser).toMatchObject({
      email: "mixed.case@example.test",
      name: "Mixed Case",
      isActive: true,
      isAdmin: false,
    });
    const user = await createUser();
    expect((await signInAt(t, user, home.site.slug)).json.data.signIn.user.id).toBe(user.id);
    expect(errorCode(await signInAt(t, user, other.site.slug))).toBe("UNAUTHENTICATED");
  });

  it("refuses a taken email (CONFLICT) and bad input (BAD_USER_INPUT naming the field)", async () => {
    const user = await createUser();
    const taken = await asAdmin(CREATE, {
      input: { email: user.email.toUpperCase(), password: strongPassword(), name: "Dup" },
    });
    expect(taken.json.errors[0]).toMatchObject({ extensions: { code: "CONFLICT", field: "email" } });
    const weak = await asAdmin(CREATE, {
      input: { email: `${randomUUID()}@x.test`, password: "123", name: "W" },
    });
    expect(weak.json.errors[0]).toMatchObject({
      message: "password: must be at least 10 characters long",
      extensions: { code: "BAD_USER_INPUT", field: "password" },
    });
  });

  it("needs users.manage: plain users, the signed-out, other sites and the platform are refused", async () => {
    const plain = await createUser();
    const token = (await signedIn(t, plain, home.site.slug)).accessToken;
    const input = { email: `${randomUUID()}@example.test`, password: strongPassword(), name: "Nope" };
    expect(errorCode(await asAdmin(CREATE, { input }, token))).toBe("FORBIDDEN");
    expect(errorCode(await t.gql(CREATE, { tenant: home.site.slug, variables: { input } }))).toBe(
      "UNAUTHENTICATED",
    );
    // An admin of another site has no rights here (its token does not even pass the gateway).
    const otherAdmin = (await signedIn(t, other.admin, other.site.slug)).accessToken;
    expect((await asAdmin(CREATE, { input }, otherAdmin)).status).toBe(401);
    // A platform account is no site admin either.
    const platform = await t.gql(CREATE, {
      token: await t.token(world.owner.id, null),
      variables: { input },
    });
    expect(errorCode(platform)).toBe("BAD_USER_INPUT");
  });

  it("a holder of users.manage manages users, not administrators (FORBIDDEN, naming isAdmin where it applies)", async () => {
    const manager = await createUser();
    await grantDirectly(t, home.site, { userId: manager.id }, "users.manage");
    const token = (await signedIn(t, manager, home.site.slug)).accessToken;
    const input = { email: `${randomUUID()}@example.test`, password: strongPassword(), name: "By Manager" };
    const made = await asAdmin(CREATE, { input }, token);
    expect(made.json.data.createUser).toMatchObject({ email: input.email, isAdmin: false });
    const id = made.json.data.createUser.id;
    expect((await asAdmin(UPDATE, { id, input: { name: "Managed" } }, token)).json.data.updateUser.name).toBe(
      "Managed",
    );
    const asAdminInput = { ...input, email: `${randomUUID()}@example.test`, isAdmin: true };
    expect((await asAdmin(CREATE, { input: asAdminInput }, token)).json.errors[0]).toMatchObject({
      extensions: { code: "FORBIDDEN", field: "isAdmin" },
    });
    expect((await asAdmin(UPDATE, { id, input: { isAdmin: true } }, token)).json.errors[0]).toMatchObject({
      extensions: { code: "FORBIDDEN", field: "isAdmin" },
    });
    // Sending the current value is no change.
    expect((await asAdmin(UPDATE, { id, input: { isAdmin: false } }, token)).json.errors).toBeUndefined();
    // An administrator's email or status is beyond users.manage (nobody sets another's password).
    const anAdmin = await createUser({ isAdmin: true });
    for (const [query, variables] of [
      [UPDATE, { id: anAdmin.id, input: { email: `${randomUUID()}@example.test` } }],
      [DEACTIVATE, { id: anAdmin.id }],
    ] as const) {
      expect(errorCode(await asAdmin(query, variables, token))).toBe("FORBIDDEN");
    }
    expect((await signInAt(t, anAdmin, home.site.slug)).json.data.signIn.user.id).toBe(anAdmin.id);
  });
  it("can make another admin, who can then manage users", async () => {
    const second = await createUser({ isAdmin: true });
    const token = (await signedIn(t, second, home.site.slug)).accessToken;
    const input = { email: `${randomUUID()}@example.test`, password: strongPassword(), name: "By Second" };
    expect((await asAdmin(CREATE, { input }, token)).json.data.createUser.email).toBe(input.email);
  });
});

describe("users and user", () => {
  it("pages with cursors, oldest first, and filters by search and isActive", async () => {
    const tag = `pg${randomUUID().slice(0, 8)}`;
    const made = [];
    for (let i = 0; i < 3; i += 1) made.push(await createUser({ tag, name: `Pager ${i}` }));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: Awaited<ReturnType<typeof asAdmin>> = await asAdmin(USERS, {
        first: 2,
        after,
        filter: { search: tag.toUpperCase() },
      });
      const page = res.json.data.users;
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(made.map((u) => u.id));

    await asAdmin(DEACTIVATE, { id: made[1]?.id });
    const active = await asAdmin(USERS, { filter: { search: tag, isActive: true } });
    expect(active.json.data.users.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      made[0]?.id,
      made[2]?.id,
    ]);
    const inactive = await asAdmin(USERS, { filter: { search: tag, isActive: false } });
    expect(inactive.json.data.users.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      made[1]?.id,
    ]);
    expect(errorCode(await asAdmin(USERS, { after: "not-a-cursor" }))).toBe("BAD_USER_INPUT");
  });

  it("user(id) finds a user of this site; another site's id is unknown here", async () => {
    const user = await createUser();
    const found = await asAdmin(`query ($id: ID!) { user(id: $id) { ${USER} } }`, { id: user.id });
    expect(found.json.data.user).toMatchObject({ id: user.id, email: user.email });
    const foreign = await asAdmin(`query ($id: ID!) { user(id: $id) { id } }`, { id: world.userB });
    expect(foreign.json).toEqual({ data: { user: null } });
  });

  it("needs users.view: a plain user reads only themself; a holder of users.view lists everyone", async () => {
    const [plain, someone] = [await createUser(), await createUser()];
    const token = (await signedIn(t, plain, home.site.slug)).accessToken;
    const ONE = "query ($id: ID!) { user(id: $id) { id } }";
    expect(errorCode(await asAdmin(USERS, {}, token))).toBe("FORBIDDEN");
    expect((await asAdmin(ONE, { id: plain.id }, token)).json.data.user).toEqual({ id: plain.id });
    expect(errorCode(await asAdmin(ONE, { id: someone.id }, token))).toBe("FORBIDDEN");
    await grantDirectly(t, home.site, { userId: plain.id }, "users.view");
    const listed = (await asAdmin(USERS, { first: 100 }, token)).json.data.users.edges;
    expect(listed.length).toBeGreaterThan(1);
    expect((await asAdmin(ONE, { id: someone.id }, token)).json.data.user).toEqual({ id: someone.id });
    // The platform's list of accounts is for superusers.
    const platform = await t.gql(USERS, { token: await t.token(world.owner.id, null) });
    expect(errorCode(platform)).toBe("FORBIDDEN");
  });
});

describe("updateUser", () => {
  it("changes name, email and admin flag; omitted fields stay", async () => {
    const user = await createUser();
    const email = `${randomUUID()}@example.test`;
    const res = await asAdmin(UPDATE, {
      id: user.id,
      input: { name: "Renamed", email: email.toUpperCase() },
    });
    expect(res.json.data.updateUser).toMatchObject({ id: user.id, name: "Renamed", email, isAdmin: false });
    const promoted = await asAdmin(UPDATE, { id: user.id, input: { isAdmin: true } });
    expect(promoted.json.data.updateUser).toMatchObject({ name: "Renamed", email, isAdmin: true });
  });

  it("a changed email is unverified again", async () => {
    const user = await createUser();
    await t.db.pool.query(
      `UPDATE "${home.site.schemaName}".users SET email_verified_at = now() WHERE id = $1`,
      [user.id],
    );
    const VERIFIED = `mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { emailVerified } }`;
    const renamed = await asAdmin(VERIFIED, { id: user.id, input: { name: "Same Email" } });
    expect(renamed.json.data.updateUser.emailVerified).toBe(true);
    const moved = await asAdmin(VERIFIED, { id: user.id, input: { email: `${randomUUID()}@example.test` } });
    expect(moved.json.data.updateUser.emailVerified).toBe(false);
  });

  it("refuses to set anyone's password, administrators' included; the password stays", async () => {
    const user = await createUser();
    const res = await asAdmin(UPDATE, { id: user.id, input: { password: strongPassword() } });
    expect(res.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "password" } });
    expect((await signInAt(t, user, home.site.slug)).json.data.signIn).not.toBeNull();
  });

  it("CONFLICT on a taken email, NOT_FOUND for another site's user, BAD_USER_INPUT on bad values", async () => {
    const [a, b] = [await createUser(), await createUser()];
    const taken = await asAdmin(UPDATE, { id: a.id, input: { email: b.email } });
    expect(taken.json.errors[0]).toMatchObject({ extensions: { code: "CONFLICT", field: "email" } });
    for (const id of [world.userB, randomUUID(), "not-an-id"]) {
      expect(errorCode(await asAdmin(UPDATE, { id, input: { name: "X" } }))).toBe("NOT_FOUND");
    }
    const bad = await asAdmin(UPDATE, { id: a.id, input: { email: "nope" } });
    expect(bad.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "email" } });
  });

  it("an admin cannot take away their own admin rights", async () => {
    const me = (await asAdmin("{ me { id } }")).json.data.me.id;
    const res = await asAdmin(UPDATE, { id: me, input: { isAdmin: false } });
    expect(res.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "isAdmin" } });
  });
});

describe("deactivateUser and restoreUser", () => {
  it("deactivation ends every session at once and blocks sign-in with the usual error; restore lets them back", async () => {
    const user = await createUser();
    const [s1, s2] = [await signedIn(t, user, home.site.slug), await signedIn(t, user, home.site.slug)];
    const res = await asAdmin(DEACTIVATE, { id: user.id });
    expect(res.json.data.deactivateUser).toMatchObject({ id: user.id, isActive: false });
    for (const session of [s1, s2]) {
      expect(
        (await t.gql("{ me { id } }", { tenant: home.site.slug, token: session.accessToken })).status,
      ).toBe(401);
      expect(errorCode(await refreshAt(t, session.refreshToken, home.site.slug))).toBe("UNAUTHENTICATED");
    }
    const refused = await signInAt(t, user, home.site.slug);
    expect(refused.json.errors[0]).toMatchObject({
      message: "invalid email or password",
      extensions: { code: "UNAUTHENTICATED" },
    });
    // Idempotent.
    expect((await asAdmin(DEACTIVATE, { id: user.id })).json.data.deactivateUser.isActive).toBe(false);

    const restored = await asAdmin(RESTORE, { id: user.id });
    expect(restored.json.data.restoreUser).toMatchObject({ id: user.id, isActive: true });
    const again = await signedIn(t, user, home.site.slug);
    expect(
      (await t.gql("{ me { id } }", { tenant: home.site.slug, token: again.accessToken })).json.data.me,
    ).toEqual({
      id: user.id,
    });
    // Old sessions stay ended.
    expect((await t.gql("{ me { id } }", { tenant: home.site.slug, token: s1.accessToken })).status).toBe(
      401,
    );
  });

  it("NOT_FOUND for another site's user; FORBIDDEN for non-admins; an admin cannot deactivate themselves", async () => {
    expect(errorCode(await asAdmin(DEACTIVATE, { id: world.userB }))).toBe("NOT_FOUND");
    expect(errorCode(await asAdmin(RESTORE, { id: world.userB }))).toBe("NOT_FOUND");
    const plain = await createUser();
    const token = (await signedIn(t, plain, home.site.slug)).accessToken;
    expect(errorCode(await asAdmin(DEACTIVATE, { id: plain.id }, token))).toBe("FORBIDDEN");
    const me = (await asAdmin("{ me { id } }")).json.data.me.id;
    const self = await asAdmin(DEACTIVATE, { id: me });
    expect(self.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "id" } });
  });

  it("is in the site's audit trail", async () => {
    const user = await createUser();
    await asAdmin(DEACTIVATE, { id: user.id });
    await asAdmin(RESTORE, { id: user.id });
    const { rows } = await t.db.pool.query(
      `SELECT action, entity_type AS "entityType", actor_id AS "actorId", changes
       FROM "${home.site.schemaName}".audit_events WHERE entity_id = $1 ORDER BY occurred_at DESC, id DESC`,
      [user.id],
    );
    const me = (await asAdmin("{ me { id } }")).json.data.me.id;
    expect(rows).toEqual([
      {
        action: "user.restored",
        entityType: "User",
        actorId: me,
        changes: { isActive: { before: false, after: true } },
      },
      {
        action: "user.deactivated",
        entityType: "User",
        actorId: me,
        changes: { isActive: { before: true, after: false } },
      },
      {
        action: "user.created",
        entityType: "User",
        actorId: me,
        changes: {
          email: { before: null, after: user.email },
          name: { before: null, after: "Casey Created" },
          isAdmin: { before: null, after: false },
        },
      },
    ]);
  });
});
