import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAuditRows, tagged } from "./fixtures";
import {
  AUTH_PAYLOAD,
  createSiteWithAdmin,
  createWorld,
  errorCode,
  refreshAt,
  signedIn,
  signedInAccount,
  signInAt,
  startPeerStack,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>;

/**
 * The refresh-token reuse grace window of this stack (REFRESH_REUSE_GRACE_SECONDS), short so the
 * tests can outwait it.
 */
const GRACE_SECONDS = 2;
const pastGrace = () => new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 500));

beforeAll(async () => {
  t = await startTestStack({ REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
  world = await createWorld(t);
  site = await createSiteWithAdmin(t, world.organization.id);
});
afterAll(() => t.close());

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ${AUTH_PAYLOAD} } }`;
const SIGN_OUT = "mutation ($all: Boolean) { signOut(allSessions: $all) }";
const ME = "{ me { id email } }";
const REFRESH = `mutation ($r: String!) { refreshSession(refreshToken: $r) { ${AUTH_PAYLOAD} } }`;

const REUSE_EVENTS = `query ($filter: AuditEventFilter) {
  auditEvents(filter: $filter) { edges { node { action entityType entityId actorType actorId changes requestId scope } } }
}`;

/** The `session.reuse_detected` events of a family, read through the gateway's audit trail. */
const reuseEvents = async (token: string, familyId: string, tenant?: string) => {
  const res = await t.gql(REUSE_EVENTS, {
    token,
    variables: { filter: { action: "session.reuse_detected", entityId: familyId } },
    ...(tenant ? { tenant } : {}),
  });
  expect(res.json.errors, res.body).toBeUndefined();
  return res.json.data.auditEvents.edges.map((edge: { node: unknown }) => edge.node);
};

const signUp = (input: { email: string; password: string; name: string }, tenant?: string) =>
  t.gql(SIGN_UP, { variables: { input }, ...(tenant ? { tenant } : {}) });
const newEmail = () => `${randomWord()}@example.test`;
const randomWord = () => `u${Math.random().toString(36).slice(2, 12)}`;
const allowSignup = (siteId: string, allow: boolean) =>
  t.db.platform.site.update({ where: { id: siteId }, data: { settings: { allowSignup: allow } } });

/** A fresh platform account, signed in. */
const platformUser = async () => {
  const credentials = { email: newEmail(), password: strongPassword() };
  const res = await signUp({ ...credentials, name: "Pat Form" });
  expect(res.json.errors).toBeUndefined();
  return { credentials, ...(res.json.data.signUp as { accessToken: string; refreshToken: string }) };
};

describe("sign-up", () => {
  it("creates a platform account, signed in: an EdDSA at+jwt for the platform, 15 minutes", async () => {
    const password = strongPassword();
    const res = await signUp({ email: "  New.Person@Example.TEST ", password, name: " New Person " });
    expect(res.json.errors).toBeUndefined();
    const payload = res.json.data.signUp;
    expect(payload).toMatchObject({
      expiresIn: 900,
      user: { email: "new.person@example.test", name: "New Person", isActive: true, isAdmin: false },
    });
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const header = decodeProtectedHeader(payload.accessToken);
    expect(header).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: t.stack.keyStore.current.kid });
    const claims = decodeJwt(payload.accessToken);
    expect(claims).toMatchObject({ iss: "taruvi", aud: "platform", sub: payload.user.id });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    expect(typeof claims.sid).toBe("string");
    expect(typeof claims.jti).toBe("string");

    const me = await t.gql(ME, { token: payload.accessToken });
    expect(me.json.data.me).toEqual({ id: payload.user.id, email: "new.person@example.test" });
    const again = await signInAt(t, { email: "NEW.PERSON@example.test", password });
    expect(again.json.data.signIn.user.id).toBe(payload.user.id);
  });

  it("refuses a taken email (CONFLICT), a bad email and weak passwords (BAD_USER_INPUT naming the field)", async () => {
    const { credentials } = await platformUser();
    const taken = await signUp({
      email: credentials.email.toUpperCase(),
      password: strongPassword(),
      name: "X",
    });
    expect(taken.json.errors[0]).toMatchObject({
      message: "email: is already in use",
      extensions: { code: "CONFLICT", field: "email" },
    });
    const cases: [Record<string, string>, string, string][] = [
      [{ email: "not-an-email" }, "email", "email: must be a valid email address"],
      [{ password: "short" }, "password", "password: must be at least 10 characters long"],
      [{ password: "aaaaaaaaaaaa" }, "password", "password: must use at least 4 different characters"],
      [{ password: "password123" }, "password", "password: is too common"],
      [{ password: "jordan-the-great-1" }, "password", "password: must not contain your email or name"],
      [{ name: "   " }, "name", "name: must not be empty"],
    ];
    for (const [override, field, message] of cases) {
      const res = await signUp({
        email: newEmail(),
        password: strongPassword(),
        name: "Jordan",
        ...override,
      });
      expect(res.json.errors[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT", field } });
    }
  });

  it("is closed at a site by default (FORBIDDEN), open once the site allows it, per-site emails", async () => {
    const input = { email: newEmail(), password: strongPassword(), name: "Site Person" };
    const closed = await signUp(input, site.site.slug);
    expect(closed.json.errors[0]).toMatchObject({
      message: "sign-up is closed for this site",
      extensions: { code: "FORBIDDEN" },
    });
    await allowSignup(site.site.id, true);
    try {
      const res = await signUp(input, site.site.slug);
      expect(res.json.errors).toBeUndefined();
      const { accessToken, user } = res.json.data.signUp;
      expect(decodeJwt(accessToken)).toMatchObject({ aud: `site:${site.site.id}`, sub: user.id });
      const me = await t.gql(ME, { tenant: site.site.slug, token: accessToken });
      expect(me.json.data.me).toEqual({ id: user.id, email: input.email });
      // Unique per scope: the same email is free on the platform.
      expect((await signUp(input)).json.errors).toBeUndefined();
      expect(errorCode(await signUp(input, site.site.slug))).toBe("CONFLICT");
    } finally {
      await allowSignup(site.site.id, false);
    }
  });
});

describe("sign-in", () => {
  it("signs a site admin in at the site only", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    expect(decodeJwt(session.accessToken).aud).toBe(`site:${site.site.id}`);
    const me = await t.gql(ME, { tenant: site.site.slug, token: session.accessToken });
    expect(me.json.data.me.email).toBe(site.admin.email);
    // The site admin is no platform account, nor a user of another site.
    for (const tenant of [undefined, world.siteB.slug]) {
      const res = await signInAt(t, site.admin, tenant);
      expect(res.json.errors[0]).toMatchObject({
        message: "invalid email or password",
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
  });
});

describe("refresh tokens", () => {
  it("rotate on every use: the new pair works, the old refresh token is spent", async () => {
    const first = await signedIn(t, site.admin, site.site.slug);
    const res = await refreshAt(t, first.refreshToken, site.site.slug);
    expect(res.json.errors).toBeUndefined();
    const second = res.json.data.refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.email).toBe(site.admin.email);
    expect(decodeJwt(second.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    expect(
      (await t.gql(ME, { tenant: site.site.slug, token: second.accessToken })).json.data.me,
    ).not.toBeNull();
    const third = await refreshAt(t, second.refreshToken, site.site.slug);
    expect(third.json.errors).toBeUndefined();
  });

  it("work in their own scope only", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    for (const tenant of [world.siteB.slug, undefined]) {
      const res = await refreshAt(t, session.refreshToken, tenant);
      expect(res.json.errors[0]).toMatchObject({
        message: "Invalid or expired refresh token",
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
    expect((await refreshAt(t, session.refreshToken, site.site.slug)).json.errors).toBeUndefined();
  });

  it("reused after the grace window: the family is revoked, its access tokens refused, session.reuse_detected recorded", async () => {
    const first = await signedIn(t, site.admin, site.site.slug);
    const other = await signedIn(t, site.admin, site.site.slug);
    const second = (await refreshAt(t, first.refreshToken, site.site.slug)).json.data.refreshSession;
    await pastGrace();

    const reuse = await tagged(t, REFRESH, { tenant: site.site.slug, variables: { r: first.refreshToken } });
    expect(reuse.res.json.data).toBeNull();
    expect(reuse.res.json.errors).toHaveLength(1);
    expect(reuse.res.json.errors[0]).toMatchObject({
      message: "Invalid or expired refresh token",
      extensions: { code: "UNAUTHENTICATED" },
    });
    // Later refreshes of that family fail, and its live access tokens stop working at once.
    expect(errorCode(await refreshAt(t, second.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
    for (const token of [first.accessToken, second.accessToken]) {
      const res = await t.gql(ME, { tenant: site.site.slug, token });
      expect(res.status).toBe(401);
      expect(errorCode(res)).toBe("UNAUTHENTICATED");
    }
    // Another session of the same user is untouched.
    const fine = await t.gql(ME, { tenant: site.site.slug, token: other.accessToken });
    expect(fine.json.data.me.email).toBe(site.admin.email);

    // The revocation is in the site's trail (the one event a failed refresh writes), readable
    // through the audit subgraph; nobody signed in presented the token, so the actor is SYSTEM.
    const familyId = decodeJwt(first.accessToken).sid as string;
    const events = await reuseEvents(other.accessToken, familyId, site.site.slug);
    expect(events).toEqual([
      {
        action: "session.reuse_detected",
        entityType: "Session",
        entityId: familyId,
        actorType: "SYSTEM",
        actorId: null,
        changes: null,
        requestId: reuse.requestId,
        scope: `site:${site.site.id}`,
      },
    ]);
    const rows = await allAuditRows(t, reuse.requestId);
    expect(rows.map((row) => row.action)).toEqual(["session.reuse_detected"]);
    // Replaying a token of the revoked family records nothing more.
    const again = await tagged(t, REFRESH, { tenant: site.site.slug, variables: { r: first.refreshToken } });
    expect(errorCode(again.res)).toBe("UNAUTHENTICATED");
    expect(await allAuditRows(t, again.requestId)).toEqual([]);
  });

  it("two tabs refreshing one token at once both keep the session: the same successor, which rotates on", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    const familyId = decodeJwt(session.accessToken).sid;
    let refreshToken = session.refreshToken;
    for (let round = 0; round < 3; round += 1) {
      const results = await Promise.all([
        refreshAt(t, refreshToken, site.site.slug),
        refreshAt(t, refreshToken, site.site.slug),
      ]);
      const payloads = results.map((res) => {
        expect(res.status).toBe(200);
        expect(res.json.errors, res.body).toBeUndefined();
        return res.json.data.refreshSession as { accessToken: string; refreshToken: string };
      });
      const [a, b] = payloads as [(typeof payloads)[0], (typeof payloads)[0]];
      // One successor for both (the family's one current token), a new one every round.
      expect(b.refreshToken).toBe(a.refreshToken);
      expect(a.refreshToken).not.toBe(refreshToken);
      expect(a.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const { accessToken } of payloads) {
        expect(decodeJwt(accessToken).sid).toBe(familyId);
        expect((await t.gql(ME, { tenant: site.site.slug, token: accessToken })).json.data.me.email).toBe(
          site.admin.email,
        );
      }
      refreshToken = a.refreshToken;
    }
    // Both tabs' session goes on: the last successor refreshes once more, after the window too.
    await pastGrace();
    const last = await refreshAt(t, refreshToken, site.site.slug);
    expect(last.json.errors).toBeUndefined();
    expect(decodeJwt(last.json.data.refreshSession.accessToken).sid).toBe(familyId);
  });

  it("a third use after the grace window is theft: both tabs' tokens stop working, session.reuse_detected", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    const watcher = await signedIn(t, site.admin, site.site.slug);
    const familyId = decodeJwt(session.accessToken).sid as string;
    const tabs = await Promise.all([
      refreshAt(t, session.refreshToken, site.site.slug),
      refreshAt(t, session.refreshToken, site.site.slug),
    ]);
    const [a, b] = tabs.map((res) => res.json.data.refreshSession) as [
      { accessToken: string; refreshToken: string },
      { accessToken: string; refreshToken: string },
    ];
    expect(b.refreshToken).toBe(a.refreshToken);
    await pastGrace();

    const third = await tagged(t, REFRESH, {
      tenant: site.site.slug,
      variables: { r: session.refreshToken },
    });
    expect(third.res.json.errors[0]).toMatchObject({
      message: "Invalid or expired refresh token",
      extensions: { code: "UNAUTHENTICATED" },
    });
    for (const token of [a.accessToken, b.accessToken]) {
      expect((await t.gql(ME, { tenant: site.site.slug, token })).status).toBe(401);
    }
    expect(errorCode(await refreshAt(t, a.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
    const events = await reuseEvents(watcher.accessToken, familyId, site.site.slug);
    expect(events).toMatchObject([{ action: "session.reuse_detected", requestId: third.requestId }]);
    // Two of the three refreshes wrote `session.refreshed`; the one within the window says so.
    const { rows } = await t.db.pool.query(
      `SELECT changes FROM "${site.site.schemaName}".audit_events
       WHERE entity_id = $1 AND action = 'session.refreshed'`,
      [familyId],
    );
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.changes)).toEqual(
      expect.arrayContaining([null, { reusedWithinGrace: { before: null, after: true } }]),
    );
  });

  it("within the window, an old token gets its successor only while that is the family's current token", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    const first = (await refreshAt(t, session.refreshToken, site.site.slug)).json.data.refreshSession;
    // A retry of the same refresh (its response was lost): the same successor.
    const retry = await refreshAt(t, session.refreshToken, site.site.slug);
    expect(retry.json.errors).toBeUndefined();
    expect(retry.json.data.refreshSession.refreshToken).toBe(first.refreshToken);
    // The family moves on; the first token, still inside its window, no longer buys anything.
    const second = (await refreshAt(t, first.refreshToken, site.site.slug)).json.data.refreshSession;
    expect(errorCode(await refreshAt(t, session.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
    expect(errorCode(await refreshAt(t, second.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
    expect((await t.gql(ME, { tenant: site.site.slug, token: second.accessToken })).status).toBe(401);
  });

  it("a sign-out during the grace window is not undone by the other tab's refresh", async () => {
    const session = await signedIn(t, site.admin, site.site.slug);
    const tabA = (await refreshAt(t, session.refreshToken, site.site.slug)).json.data.refreshSession;
    const out = await t.gql(SIGN_OUT, { tenant: site.site.slug, token: tabA.accessToken });
    expect(out.json).toEqual({ data: { signOut: true } });

    const tabB = await tagged(t, REFRESH, { tenant: site.site.slug, variables: { r: session.refreshToken } });
    expect(errorCode(tabB.res)).toBe("UNAUTHENTICATED");
    expect(errorCode(await refreshAt(t, tabA.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
    expect((await t.gql(ME, { tenant: site.site.slug, token: tabA.accessToken })).status).toBe(401);
    // A signed-out family is no theft: nothing recorded.
    expect(await allAuditRows(t, tabB.requestId)).toEqual([]);

    // The sign-out and the other tab's refresh racing: whatever the refresh got is dead after both.
    for (let round = 0; round < 3; round += 1) {
      const raced = await signedIn(t, site.admin, site.site.slug);
      const first = (await refreshAt(t, raced.refreshToken, site.site.slug)).json.data.refreshSession;
      const [signedOut, other] = await Promise.all([
        t.gql(SIGN_OUT, { tenant: site.site.slug, token: first.accessToken }),
        refreshAt(t, raced.refreshToken, site.site.slug),
      ]);
      expect(signedOut.json).toEqual({ data: { signOut: true } });
      const got = other.json.data?.refreshSession;
      for (const pair of got ? [first, got] : [first]) {
        expect((await t.gql(ME, { tenant: site.site.slug, token: pair.accessToken })).status).toBe(401);
        expect(errorCode(await refreshAt(t, pair.refreshToken, site.site.slug))).toBe("UNAUTHENTICATED");
      }
    }
  });

  it("on the platform: two at once both work; reuse after the window revokes, recorded in the platform trail", async () => {
    const { credentials } = await platformUser();
    const session = await signedIn(t, credentials);
    const familyId = decodeJwt(session.accessToken).sid as string;
    const tabs = await Promise.all([refreshAt(t, session.refreshToken), refreshAt(t, session.refreshToken)]);
    for (const res of tabs) expect(res.json.errors, res.body).toBeUndefined();
    const [a, b] = tabs.map((res) => res.json.data.refreshSession.refreshToken);
    expect(b).toBe(a);
    await pastGrace();

    const reuse = await tagged(t, REFRESH, { variables: { r: session.refreshToken } });
    expect(errorCode(reuse.res)).toBe("UNAUTHENTICATED");
    expect(errorCode(await refreshAt(t, a))).toBe("UNAUTHENTICATED");
    const superuser = await signedInAccount(t, { isSuperuser: true });
    expect(await reuseEvents(superuser.token, familyId)).toEqual([
      {
        action: "session.reuse_detected",
        entityType: "Session",
        entityId: familyId,
        actorType: "SYSTEM",
        actorId: null,
        changes: null,
        requestId: reuse.requestId,
        scope: "platform",
      },
    ]);
  });

  it("refuses garbage", async () => {
    for (const token of ["", "x", "a".repeat(5000)]) {
      expect(errorCode(await refreshAt(t, token))).toBe("UNAUTHENTICATED");
    }
  });
});

describe("sign-out", () => {
  it("ends this session: its access token is refused on the very next request, its refresh token too", async () => {
    const { credentials } = await platformUser();
    const session = await signedIn(t, credentials);
    const other = await signedIn(t, credentials);
    expect((await t.gql(ME, { token: session.accessToken })).json.data.me).not.toBeNull();
    const out = await t.gql(SIGN_OUT, { token: session.accessToken });
    expect(out.json).toEqual({ data: { signOut: true } });

    const refused = await t.gql(ME, { token: session.accessToken });
    expect(refused.status).toBe(401);
    expect(refused.json.data).toBeUndefined();
    expect(errorCode(await refreshAt(t, session.refreshToken))).toBe("UNAUTHENTICATED");
    expect((await t.gql(ME, { token: other.accessToken })).json.data.me).not.toBeNull();
    expect((await refreshAt(t, other.refreshToken)).json.errors).toBeUndefined();
  });

  it("allSessions: every session of the user ends", async () => {
    const { credentials, accessToken: fromSignUp } = await platformUser();
    const a = await signedIn(t, credentials);
    const b = await signedIn(t, credentials);
    const c = (await refreshAt(t, b.refreshToken)).json.data.refreshSession;
    expect(
      (await t.gql(SIGN_OUT, { token: a.accessToken, variables: { all: true } })).json.data.signOut,
    ).toBe(true);
    for (const token of [fromSignUp, a.accessToken, b.accessToken, c.accessToken]) {
      expect((await t.gql(ME, { token })).status).toBe(401);
    }
    expect(errorCode(await refreshAt(t, c.refreshToken))).toBe("UNAUTHENTICATED");
    // Signing in again works.
    expect((await signInAt(t, credentials)).json.data.signIn.accessToken).toEqual(expect.any(String));
  });

  it("needs a signed-in caller", async () => {
    expect(errorCode(await t.gql(SIGN_OUT))).toBe("UNAUTHENTICATED");
  });
});

describe("platform sign-up can be closed", () => {
  it("FORBIDDEN when PLATFORM_SIGNUP is off", async () => {
    const closed = await startTestStack({ PLATFORM_SIGNUP: "false" });
    try {
      const res = await closed.gql(SIGN_UP, {
        variables: { input: { email: newEmail(), password: strongPassword(), name: "N" } },
      });
      expect(res.json.errors[0]).toMatchObject({
        message: "sign-up is closed",
        extensions: { code: "FORBIDDEN" },
      });
    } finally {
      await closed.close();
    }
  });
});

describe("two gateways sharing Redis", () => {
  it("a sign-out at one gateway is honoured by the other within 1 s", async () => {
    const one = await startTestStack({}, { redisUrl: "redis://127.0.0.1:6379" });
    const two = await startPeerStack(one);
    try {
      const org = await createWorld(one);
      const { site: shared, admin } = await createSiteWithAdmin(one, org.organization.id);
      const session = await signedIn(one, admin, shared.slug);
      // The second gateway verifies (and caches) the token first.
      expect(
        (await two.gql(ME, { tenant: shared.slug, token: session.accessToken })).json.data.me,
      ).not.toBeNull();
      expect(
        (await one.gql(SIGN_OUT, { tenant: shared.slug, token: session.accessToken })).json.data,
      ).toEqual({
        signOut: true,
      });
      const started = Date.now();
      let status = 200;
      while (Date.now() - started < 1000) {
        status = (await two.gql(ME, { tenant: shared.slug, token: session.accessToken })).status;
        if (status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(401);
      expect((await one.gql(ME, { tenant: shared.slug, token: session.accessToken })).status).toBe(401);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
