import { randomSlug, readEmails, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantDirectly, type SiteRef, siteUser } from "./fixtures";
import {
  AUTH_PAYLOAD,
  createSiteWithAdmin,
  createWorld,
  errorOf,
  refreshAt,
  signedIn,
  signInAt,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

// The attack found on the running platform: a user holding only users.manage set the password
// (or the email, then reset the password) of a user holding permissions.manage, signed in as
// them and granted itself more. Each step of it is refused here, through the real gateway.

let t: TestStack;
let site: SiteRef;
let admin: { email: string; password: string };

beforeAll(async () => {
  t = await startTestStack();
  const world = await createWorld(t);
  ({ site, admin } = await createSiteWithAdmin(t, world.organization.id));
});
afterAll(() => t.close());

const UPDATE =
  "mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id email } }";
const gql = (query: string, variables: Record<string, unknown>, token: string) =>
  t.gql(query, { tenant: site.slug, token, variables });
const emailOf = async (id: string) =>
  (
    await t.db.pool.query<{ email: string }>(`SELECT email FROM "${site.schemaName}".users WHERE id = $1`, [
      id,
    ])
  ).rows[0]?.email;

/** A manager holding only users.manage, and a target holding permissions.manage. */
const managerAndTarget = async () => {
  const manager = await siteUser(t, site);
  await grantDirectly(t, site, { userId: manager.id }, "users.manage");
  const target = await siteUser(t, site);
  await grantDirectly(t, site, { userId: target.id }, "permissions.manage");
  const managerToken = (await signedIn(t, manager, site.slug)).accessToken;
  return { manager, target, managerToken };
};

describe("a manager cannot take over a user who holds more", () => {
  it("cannot set another user's password: updateUser refuses the field", async () => {
    const { target, managerToken } = await managerAndTarget();
    const res = await gql(UPDATE, { id: target.id, input: { password: strongPassword() } }, managerToken);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "password" });
    expect((await signInAt(t, target, site.slug)).json.data.signIn.user.id).toBe(target.id);
  });

  it("cannot change the email of a user holding what the manager lacks, nor lock them out", async () => {
    const { target, managerToken } = await managerAndTarget();
    const moved = await gql(
      UPDATE,
      { id: target.id, input: { email: `${randomSlug("evil")}@example.test` } },
      managerToken,
    );
    expect(errorOf(moved)?.code).toBe("FORBIDDEN");
    expect(errorOf(moved)?.message).toContain("permissions.manage");
    expect(await emailOf(target.id)).toBe(target.email);
    const off = await gql(
      "mutation ($id: ID!) { deactivateUser(id: $id) { id } }",
      { id: target.id },
      managerToken,
    );
    expect(errorOf(off)?.code).toBe("FORBIDDEN");
    expect((await signInAt(t, target, site.slug)).json.data.signIn.user.id).toBe(target.id);
  });

  it("cannot change an administrator's email or deactivate one", async () => {
    const { managerToken } = await managerAndTarget();
    const anAdmin = await siteUser(t, site, { admin: true });
    const res = await gql(
      UPDATE,
      { id: anAdmin.id, input: { email: `${randomSlug("evil")}@example.test` } },
      managerToken,
    );
    expect(errorOf(res)?.code).toBe("FORBIDDEN");
    const off = await gql(
      "mutation ($id: ID!) { deactivateUser(id: $id) { id } }",
      { id: anAdmin.id },
      managerToken,
    );
    expect(errorOf(off)?.code).toBe("FORBIDDEN");
  });

  it("may change the email of a user holding no more than the manager; that user's sessions end", async () => {
    const { managerToken } = await managerAndTarget();
    const peer = await siteUser(t, site);
    const peerSession = await signedIn(t, peer, site.slug);
    const email = `${randomSlug("moved")}@example.test`;
    const res = await gql(UPDATE, { id: peer.id, input: { email } }, managerToken);
    expect(res.json.data.updateUser.email).toBe(email);
    expect(errorOf(await refreshAt(t, peerSession.refreshToken, site.slug))?.code).toBe("UNAUTHENTICATED");
    const me = await t.gql("{ me { id } }", { tenant: site.slug, token: peerSession.accessToken });
    expect(me.status).toBe(401);
  });

  it("sends a password reset instead: the link goes to the user's own address", async () => {
    const { target, managerToken } = await managerAndTarget();
    const res = await gql(
      "mutation ($id: ID!) { sendPasswordReset(userId: $id) }",
      { id: target.id },
      managerToken,
    );
    expect(res.json).toEqual({ data: { sendPasswordReset: true } });
    const mail = await waitForEmail(t.stack.mailDir, target.email, { subject: "Reset your password" });
    expect(mail.text).toContain("reset-password");
  });

  it("an administrator's reset only by an administrator", async () => {
    const { managerToken } = await managerAndTarget();
    const anAdmin = await siteUser(t, site, { admin: true });
    const res = await gql(
      "mutation ($id: ID!) { sendPasswordReset(userId: $id) }",
      { id: anAdmin.id },
      managerToken,
    );
    expect(errorOf(res)?.code).toBe("FORBIDDEN");
    const adminToken = (await signedIn(t, admin, site.slug)).accessToken;
    const ok = await gql(
      "mutation ($id: ID!) { sendPasswordReset(userId: $id) }",
      { id: anAdmin.id },
      adminToken,
    );
    expect(ok.json.data.sendPasswordReset).toBe(true);
  });

  it("nobody changes their own email through updateUser (it needs the current password)", async () => {
    const user = await siteUser(t, site, { admin: true });
    const token = (await signedIn(t, user, site.slug)).accessToken;
    const res = await gql(
      UPDATE,
      { id: user.id, input: { email: `${randomSlug("x")}@example.test` } },
      token,
    );
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
    expect(await emailOf(user.id)).toBe(user.email);
  });
});

const CHANGE_PASSWORD = `mutation ($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { ${AUTH_PAYLOAD} } }`;
const CHANGE_EMAIL = `mutation ($c: String!, $e: String!) { changeMyEmail(currentPassword: $c, newEmail: $e) { ${AUTH_PAYLOAD} } }`;

describe("changing your own credentials", () => {
  it("changeMyPassword needs the current password, ends every other session and returns a new one", async () => {
    const user = await siteUser(t, site);
    const first = await signedIn(t, user, site.slug);
    const other = await signedIn(t, user, site.slug);
    const wrong = await gql(CHANGE_PASSWORD, { c: "not-it", n: strongPassword() }, first.accessToken);
    expect(errorOf(wrong)).toMatchObject({ code: "BAD_USER_INPUT", field: "currentPassword" });

    const password = strongPassword();
    const res = await gql(CHANGE_PASSWORD, { c: user.password, n: password }, first.accessToken);
    const fresh = res.json.data.changeMyPassword;
    expect(fresh.user.id).toBe(user.id);
    // Old sessions (both of them) are over; the new one works.
    expect(errorOf(await refreshAt(t, other.refreshToken, site.slug))?.code).toBe("UNAUTHENTICATED");
    expect((await t.gql("{ me { id } }", { tenant: site.slug, token: first.accessToken })).status).toBe(401);
    expect(
      (await t.gql("{ me { id } }", { tenant: site.slug, token: fresh.accessToken })).json.data.me.id,
    ).toBe(user.id);
    expect((await refreshAt(t, fresh.refreshToken, site.slug)).json.data.refreshSession.user.id).toBe(
      user.id,
    );
    expect(errorOf(await signInAt(t, user, site.slug))?.code).toBe("UNAUTHENTICATED");
    expect((await signInAt(t, { email: user.email, password }, site.slug)).json.data.signIn.user.id).toBe(
      user.id,
    );
  });

  it("changeMyPassword applies the password policy to the new one", async () => {
    const user = await siteUser(t, site);
    const token = (await signedIn(t, user, site.slug)).accessToken;
    const res = await gql(CHANGE_PASSWORD, { c: user.password, n: "123" }, token);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "newPassword" });
    expect((await signInAt(t, user, site.slug)).json.data.signIn.user.id).toBe(user.id);
  });

  it("changeMyEmail needs the password, leaves the new address unverified and mails both addresses", async () => {
    const user = await siteUser(t, site);
    const session = await signedIn(t, user, site.slug);
    const email = `${randomSlug("new")}@example.test`;
    const wrong = await gql(CHANGE_EMAIL, { c: "not-it", e: email }, session.accessToken);
    expect(errorOf(wrong)).toMatchObject({ code: "BAD_USER_INPUT", field: "currentPassword" });
    expect(await emailOf(user.id)).toBe(user.email);

    const res = await gql(CHANGE_EMAIL, { c: user.password, e: email }, session.accessToken);
    expect(res.json.data.changeMyEmail.user).toMatchObject({ id: user.id, email });
    expect(errorOf(await refreshAt(t, session.refreshToken, site.slug))?.code).toBe("UNAUTHENTICATED");
    const verification = await waitForEmail(t.stack.mailDir, email, { subject: "Confirm your email" });
    expect(verification.text).toContain("verify-email");
    await waitForEmail(t.stack.mailDir, user.email, { subject: "Your email address was changed" });
    const me = await t.gql("{ me { emailVerified } }", {
      tenant: site.slug,
      token: res.json.data.changeMyEmail.accessToken,
    });
    expect(me.json.data.me.emailVerified).toBe(false);
    expect((await signInAt(t, { email, password: user.password }, site.slug)).json.data.signIn.user.id).toBe(
      user.id,
    );
  });

  it("changeMyEmail to an address in use is CONFLICT on newEmail; nothing changes", async () => {
    const user = await siteUser(t, site);
    const taken = await siteUser(t, site);
    const token = (await signedIn(t, user, site.slug)).accessToken;
    const res = await gql(CHANGE_EMAIL, { c: user.password, e: taken.email }, token);
    expect(errorOf(res)).toMatchObject({ code: "CONFLICT", field: "newEmail" });
    expect(await emailOf(user.id)).toBe(user.email);
  });

  it("works for platform accounts too", async () => {
    const email = `${randomSlug("acct")}@example.test`;
    const password = strongPassword();
    const up = await t.gql("mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }", {
      variables: { input: { email, password, name: "Account Holder" } },
    });
    const token = up.json.data.signUp.accessToken;
    const next = strongPassword();
    const res = await t.gql(CHANGE_PASSWORD, { token, variables: { c: password, n: next } });
    expect(res.json.data.changeMyPassword.user.email).toBe(email);
    expect((await signInAt(t, { email, password: next })).json.data.signIn.user.email).toBe(email);
  });
});

describe("email flooding", () => {
  it("six simultaneous requestPasswordReset send one address 3 emails (its hourly budget); every answer is the same", async () => {
    const user = await siteUser(t, site);
    const ask = () =>
      t.gql("mutation ($e: String!) { requestPasswordReset(email: $e) }", {
        tenant: site.slug,
        variables: { e: user.email },
      });
    // All at once: the per-recipient budget holds under concurrency too.
    const answers = (await Promise.all(Array.from({ length: 6 }, ask))).map((res) => res.json);
    expect(answers).toEqual(Array.from({ length: 6 }, () => ({ data: { requestPasswordReset: true } })));
    await waitForEmail(t.stack.mailDir, user.email, { subject: "Reset your password" });
    // Give the worker time to deliver anything else that was queued.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const delivered = (await readEmails(t.stack.mailDir)).filter((m) => m.to === user.email);
    expect(delivered).toHaveLength(3);
  });
});
