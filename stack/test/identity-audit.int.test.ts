/**
 * The identity subgraph's audit trail, read from the raw rows: every successful mutation writes
 * exactly one event (in its scope's table, in the same transaction as the change) with the
 * right action, actor and diff; a failed or denied one writes none (except the security event
 * `session.reuse_detected`, which commits with the revocation it records); and no password,
 * hash, token or key ever appears in any row.
 */
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuditRow,
  allAuditRows,
  expectNoEvent,
  expectOneEvent,
  oneTimeToken as mailedToken,
  siteUser,
  tagged,
} from "./fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  signedIn,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let home: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let admin: { id: string; token: string };
/** Every secret the tests handled: none may appear in any audit row. */
const secrets: string[] = [];

beforeAll(async () => {
  // No refresh-token reuse grace window: a replay right after a rotation is theft here.
  t = await startTestStack({ REFRESH_REUSE_GRACE_SECONDS: "0" }, { worker: false });
  world = await createWorld(t);
  home = await createSiteWithAdmin(t, world.organization.id);
  const session = await signedIn(t, home.admin, home.site.slug);
  admin = { id: session.user.id, token: session.accessToken };
  secrets.push(home.admin.password, session.accessToken, session.refreshToken);
});
afterAll(() => t.close());

const AUTH = "accessToken refreshToken user { id }";
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`;
const SIGN_IN = `mutation ($input: SignInInput!) { signIn(input: $input) { ${AUTH} } }`;
const REFRESH = `mutation ($r: String!) { refreshSession(refreshToken: $r) { ${AUTH} } }`;
const SIGN_OUT = "mutation ($all: Boolean) { signOut(allSessions: $all) }";
const CREATE_USER = "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }";
const UPDATE_USER =
  "mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }";
const DEACTIVATE = "mutation ($id: ID!) { deactivateUser(id: $id) { id } }";
const RESTORE = "mutation ($id: ID!) { restoreUser(id: $id) { id } }";
const CREATE_KEY =
  "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }";
const REVOKE_KEY = "mutation ($id: ID!) { revokeApiKey(id: $id) { id } }";
const REQUEST_RESET = "mutation ($e: String!) { requestPasswordReset(email: $e) }";
const RESET = "mutation ($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }";
const REQUEST_VERIFICATION = "mutation { requestEmailVerification }";
const VERIFY = "mutation ($t: String!) { verifyEmail(token: $t) }";

const bearer = (token: string) => `Bearer ${token}`;
const site$ = (query: string, variables?: Record<string, unknown>, auth?: string) =>
  tagged(t, query, { tenant: home.site.slug, variables, ...(auth ? { auth } : {}) });
const platform$ = (query: string, variables?: Record<string, unknown>, auth?: string) =>
  tagged(t, query, { variables, ...(auth ? { auth } : {}) });

/** A single-use token of a site user (or an account), remembered to look for in the trail. */
const oneTimeToken = async (
  purpose: "PASSWORD_RESET" | "EMAIL_VERIFICATION",
  owner: { id: string },
  inSite = true,
) => {
  const token = await mailedToken(
    t,
    purpose,
    inSite ? { ...owner, siteSchema: home.site.schemaName } : owner,
  );
  secrets.push(token);
  return token;
};

/** The event common to every row: the request id, the client, and the scope's table. */
const expectEvent = (row: AuditRow, expected: Partial<AuditRow>) => {
  expect(row).toMatchObject({ user_agent: "identity-tests", ...expected });
  expect(row.ip).toEqual(expect.any(String));
};

describe("site scope: one event per successful mutation, none for a failed one", () => {
  it("signUp, signIn, refreshSession and signOut: the user acts for themself", async () => {
    await t.db.pool.query(`UPDATE platform.sites SET settings = '{"allowSignup": false}' WHERE id = $1`, [
      home.site.id,
    ]);
    const email = `${randomSlug("su")}@example.test`;
    const password = strongPassword();
    secrets.push(password);
    await expectNoEvent(t, await site$(SIGN_UP, { input: { email, password, name: "Sue Up" } }), "FORBIDDEN");
    await t.db.pool.query(`UPDATE platform.sites SET settings = '{"allowSignup": true}' WHERE id = $1`, [
      home.site.id,
    ]);
    const signUp = await site$(SIGN_UP, { input: { email, password, name: "Sue Up" } });
    const userId = signUp.res.json.data.signUp.user.id;
    secrets.push(signUp.res.json.data.signUp.accessToken, signUp.res.json.data.signUp.refreshToken);
    expectEvent(await expectOneEvent(t, signUp), {
      action: "user.signed_up",
      entity_type: "User",
      entity_id: userId,
      actor_type: "USER",
      actor_id: userId,
      changes: { email: { before: null, after: email }, name: { before: null, after: "Sue Up" } },
    });
    await expectNoEvent(t, await site$(SIGN_UP, { input: { email, password, name: "Again" } }), "CONFLICT");

    await expectNoEvent(
      t,
      await site$(SIGN_IN, { input: { email, password: strongPassword() } }),
      "UNAUTHENTICATED",
    );
    const signIn = await site$(SIGN_IN, { input: { email, password } });
    const session = signIn.res.json.data.signIn;
    secrets.push(session.accessToken, session.refreshToken);
    const signInEvent = await expectOneEvent(t, signIn);
    expectEvent(signInEvent, {
      action: "session.created",
      entity_type: "Session",
      actor_type: "USER",
      actor_id: userId,
      changes: null,
    });

    const refresh = await site$(REFRESH, { r: session.refreshToken });
    const next = refresh.res.json.data.refreshSession;
    secrets.push(next.accessToken, next.refreshToken);
    expectEvent(await expectOneEvent(t, refresh), {
      action: "session.refreshed",
      entity_id: signInEvent.entity_id,
      actor_id: userId,
    });
    // Reusing the rotated token revokes the family: the refresh fails, but the revocation is
    // recorded (the one event a failed mutation writes), by SYSTEM, not by the unknown presenter.
    const reuse = await site$(REFRESH, { r: session.refreshToken });
    expect(reuse.res.json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const reuseEvents = await allAuditRows(t, reuse.requestId);
    expect(reuseEvents).toHaveLength(1);
    expectEvent(reuseEvents[0] as AuditRow, {
      action: "session.reuse_detected",
      entity_type: "Session",
      entity_id: signInEvent.entity_id,
      actor_type: "SYSTEM",
      actor_id: null,
      changes: null,
    });
    // Replays of the revoked family record nothing more.
    await expectNoEvent(t, await site$(REFRESH, { r: session.refreshToken }), "UNAUTHENTICATED");
    await expectNoEvent(t, await site$(REFRESH, { r: "not-a-token" }), "UNAUTHENTICATED");

    const again = await signedIn(t, { email, password }, home.site.slug);
    secrets.push(again.accessToken, again.refreshToken);
    const signOut = await site$(SIGN_OUT, { all: true }, bearer(again.accessToken));
    expectEvent(await expectOneEvent(t, signOut), {
      action: "session.revoked",
      entity_type: "Session",
      actor_type: "USER",
      actor_id: userId,
      changes: { allSessions: { before: null, after: true } },
    });
  });

  it("createUser, updateUser, deactivateUser, restoreUser: the diff, a password only as changed", async () => {
    const email = `${randomSlug("cu")}@example.test`;
    const password = strongPassword();
    secrets.push(password);
    const created = await site$(
      CREATE_USER,
      { input: { email, password, name: "Cee You" } },
      bearer(admin.token),
    );
    const id = created.res.json.data.createUser.id;
    expectEvent(await expectOneEvent(t, created), {
      action: "user.created",
      entity_type: "User",
      entity_id: id,
      actor_type: "USER",
      actor_id: admin.id,
      changes: {
        email: { before: null, after: email },
        name: { before: null, after: "Cee You" },
        isAdmin: { before: null, after: false },
      },
    });
    await expectNoEvent(
      t,
      await site$(
        CREATE_USER,
        { input: { email, password: strongPassword(), name: "Dup" } },
        bearer(admin.token),
      ),
      "CONFLICT",
    );
    const plain = await siteUser(t, home.site);
    await expectNoEvent(
      t,
      await site$(UPDATE_USER, { id, input: { name: "Nope" } }, bearer(await plain.token())),
      "FORBIDDEN",
    );

    const updated = await site$(UPDATE_USER, { id, input: { name: "Cee Two" } }, bearer(admin.token));
    expect((await expectOneEvent(t, updated)).changes).toEqual({
      name: { before: "Cee You", after: "Cee Two" },
    });
    const newPassword = strongPassword();
    secrets.push(newPassword);
    await expectNoEvent(
      t,
      await site$(UPDATE_USER, { id, input: { password: newPassword } }, bearer(admin.token)),
      "BAD_USER_INPUT",
    );
    const unchanged = await site$(UPDATE_USER, { id, input: { name: "Cee Two" } }, bearer(admin.token));
    expect(await expectOneEvent(t, unchanged)).toMatchObject({ action: "user.updated", changes: null });

    const deactivated = await site$(DEACTIVATE, { id }, bearer(admin.token));
    expect(await expectOneEvent(t, deactivated)).toMatchObject({
      action: "user.deactivated",
      changes: { isActive: { before: true, after: false } },
    });
    const restored = await site$(RESTORE, { id }, bearer(admin.token));
    expect(await expectOneEvent(t, restored)).toMatchObject({
      action: "user.restored",
      changes: { isActive: { before: false, after: true } },
    });
  });

  it("createApiKey and revokeApiKey: name, scopes and expiry, never the key or its hash", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await site$(
      CREATE_KEY,
      { input: { name: "Deploys", scopes: ["users.view"], expiresAt } },
      bearer(admin.token),
    );
    const { key, apiKey } = created.res.json.data.createApiKey;
    secrets.push(key);
    expectEvent(await expectOneEvent(t, created), {
      action: "api_key.created",
      entity_type: "ApiKey",
      entity_id: apiKey.id,
      changes: {
        name: { before: null, after: "Deploys" },
        scopes: { before: null, after: ["users.view"] },
        expiresAt: { before: null, after: expiresAt },
      },
    });
    await expectNoEvent(
      t,
      await site$(CREATE_KEY, { input: { name: "x", scopes: ["audit.view"] } }, `ApiKey ${key}`),
      "FORBIDDEN",
    );
    const revoked = await site$(REVOKE_KEY, { id: apiKey.id }, bearer(admin.token));
    const event = await expectOneEvent(t, revoked);
    expect(event).toMatchObject({ action: "api_key.revoked", entity_id: apiKey.id });
    expect(event.changes.revokedAt).toEqual({ before: null, after: expect.any(String) });
  });

  it("password reset and email verification: one event each, the email never recorded for an unknown address", async () => {
    const user = await siteUser(t, home.site);
    secrets.push(user.password);
    const known = await site$(REQUEST_RESET, { e: user.email });
    expectEvent(await expectOneEvent(t, known), {
      action: "user.password_reset_requested",
      entity_type: "User",
      entity_id: user.id,
      actor_type: "SYSTEM",
      changes: null,
    });
    const unknownEmail = `${randomSlug("nobody")}@example.test`;
    const unknown = await site$(REQUEST_RESET, { e: unknownEmail });
    const unknownEvent = await expectOneEvent(t, unknown);
    expect(unknownEvent).toMatchObject({
      action: "user.password_reset_requested",
      entity_id: null,
      changes: null,
    });
    expect(JSON.stringify(unknownEvent)).not.toContain(unknownEmail);

    const password = strongPassword();
    secrets.push(password);
    await expectNoEvent(t, await site$(RESET, { t: "x".repeat(43), p: password }), "BAD_USER_INPUT");
    const reset = await site$(RESET, { t: await oneTimeToken("PASSWORD_RESET", user), p: password });
    expectEvent(await expectOneEvent(t, reset), {
      action: "user.password_reset",
      entity_id: user.id,
      actor_type: "USER",
      actor_id: user.id,
      changes: { password: { changed: true }, emailVerified: { before: false, after: true } },
    });

    const other = await siteUser(t, home.site);
    const requested = await site$(REQUEST_VERIFICATION, {}, bearer(await other.token()));
    expectEvent(await expectOneEvent(t, requested), {
      action: "user.email_verification_requested",
      entity_id: other.id,
      actor_id: other.id,
    });
    const verified = await site$(VERIFY, { t: await oneTimeToken("EMAIL_VERIFICATION", other) });
    expectEvent(await expectOneEvent(t, verified), {
      action: "user.email_verified",
      entity_id: other.id,
      actor_type: "USER",
      actor_id: other.id,
      changes: { emailVerified: { before: false, after: true } },
    });
    await expectNoEvent(t, await site$(VERIFY, { t: "y".repeat(43) }), "BAD_USER_INPUT");
  });
});

describe("platform scope", () => {
  it("sign-up, sign-in, sign-out, reset and verification of accounts go to platform.audit_events", async () => {
    const email = `${randomSlug("acct")}@example.test`;
    const password = strongPassword();
    secrets.push(password);
    const signUp = await platform$(SIGN_UP, { input: { email, password, name: "Plat Form" } });
    const accountId = signUp.res.json.data.signUp.user.id;
    secrets.push(signUp.res.json.data.signUp.accessToken, signUp.res.json.data.signUp.refreshToken);
    const row = await expectOneEvent(t, signUp);
    expectEvent(row, {
      action: "user.signed_up",
      entity_type: "User",
      entity_id: accountId,
      actor_type: "ACCOUNT",
      actor_id: accountId,
      organization_id: null,
      site_id: null,
    });

    const signIn = await platform$(SIGN_IN, { input: { email, password } });
    secrets.push(signIn.res.json.data.signIn.accessToken, signIn.res.json.data.signIn.refreshToken);
    expect(await expectOneEvent(t, signIn)).toMatchObject({
      action: "session.created",
      actor_type: "ACCOUNT",
    });
    const token = signIn.res.json.data.signIn.accessToken;
    expect(await expectOneEvent(t, await platform$(REQUEST_VERIFICATION, {}, bearer(token)))).toMatchObject({
      action: "user.email_verification_requested",
      entity_id: accountId,
    });
    const verify = await platform$(VERIFY, {
      t: await oneTimeToken("EMAIL_VERIFICATION", { id: accountId }, false),
    });
    expect(await expectOneEvent(t, verify)).toMatchObject({
      action: "user.email_verified",
      actor_type: "ACCOUNT",
    });
    expect(await expectOneEvent(t, await platform$(SIGN_OUT, {}, bearer(token)))).toMatchObject({
      action: "session.revoked",
      changes: null,
    });
    const reset = await platform$(RESET, {
      t: await oneTimeToken("PASSWORD_RESET", { id: accountId }, false),
      p: strongPassword(),
    });
    expect(await expectOneEvent(t, reset)).toMatchObject({
      action: "user.password_reset",
      changes: { password: { changed: true } },
    });
  });
});

describe("no secret in the trail", () => {
  it("no password, hash, token or key appears in any audit row of the site or the platform", async () => {
    const siteRows = (await t.db.pool.query(`SELECT * FROM "${home.site.schemaName}".audit_events`)).rows;
    const platformRows = (await t.db.pool.query("SELECT * FROM platform.audit_events")).rows;
    expect(siteRows.length).toBeGreaterThan(10);
    expect(platformRows.length).toBeGreaterThan(3);
    const text = JSON.stringify([...siteRows, ...platformRows]);
    const hashes = [
      ...(await t.db.pool.query(`SELECT password_hash AS h FROM "${home.site.schemaName}".users`)).rows,
      ...(await t.db.pool.query(`SELECT key_hash AS h FROM "${home.site.schemaName}".api_keys`)).rows,
      ...(await t.db.pool.query(`SELECT token_hash AS h FROM "${home.site.schemaName}".sessions`)).rows,
      ...(await t.db.pool.query("SELECT password_hash AS h FROM platform.accounts")).rows,
    ]
      .map((r: { h: string | null }) => r.h)
      .filter((h): h is string => typeof h === "string");
    expect(secrets.length).toBeGreaterThan(15);
    for (const secret of [...secrets, ...hashes]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\$argon2/);
    // API keys: not even the secret part after the public prefix.
    expect(text).not.toMatch(/tvk_[0-9a-f]{12}_/);
  });
});
