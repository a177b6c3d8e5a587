import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteWithAdmin,
  createWorld,
  errorCode,
  type HttpResult,
  refreshAt,
  signedIn,
  signInAt,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

const lines: string[] = [];
const logs = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let siteA: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let siteB: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let userA: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  // No refresh-token reuse grace window here: a replay right after a rotation is theft (the
  // window itself is tested in identity-sessions).
  t = await startTestStack({ REFRESH_REUSE_GRACE_SECONDS: "0" }, { logDestination: logs, logLevel: "trace" });
  world = await createWorld(t);
  siteA = await createSiteWithAdmin(t, world.organization.id);
  siteB = await createSiteWithAdmin(t, world.organization.id);
  userA = await signedIn(t, siteA.admin, siteA.site.slug);
});
afterAll(() => t.close());

const ME = "{ me { id email } }";
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Refused by the gateway before any resolver runs, and the response says nothing more. */
const expectRefused = (res: HttpResult) => {
  expect(res.status).toBe(401);
  expect(res.json).toEqual({
    errors: [
      {
        message: expect.stringMatching(/^Invalid or expired (token|API key)$/),
        extensions: { code: "UNAUTHENTICATED" },
      },
    ],
  });
};

/** Claims of a real token of site A's admin, re-signed however an attack needs. */
const claimsOfA = (): JWTPayload => decodeJwt(userA.accessToken);
const signWithRealKey = (payload: JWTPayload, header: Record<string, unknown> = {}) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: t.stack.keyStore.current.kid, ...header })
    .sign(t.stack.keyStore.current.privateKey);

describe("forged and misused access tokens → UNAUTHENTICATED, nothing leaked", () => {
  it("the genuine token works (so each refusal below is the attack's doing)", async () => {
    const res = await t.gql(ME, { tenant: siteA.site.slug, token: userA.accessToken });
    expect(res.json.data.me.email).toBe(siteA.admin.email);
  });

  it("alg none", async () => {
    const token = `${b64({ alg: "none", typ: "at+jwt", kid: t.stack.keyStore.current.kid })}.${b64(claimsOfA())}.`;
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
  });

  it("HS256 signed with the public key", async () => {
    const x = t.stack.keyStore.current.publicJwk.x ?? "";
    for (const secret of [new TextEncoder().encode(x), Buffer.from(x, "base64url")]) {
      const token = await new SignJWT(claimsOfA())
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: t.stack.keyStore.current.kid })
        .sign(secret);
      expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
    }
  });

  it("an unknown kid, and a stranger's key under the real kid", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    expect((await exportJWK(privateKey)).kty).toBe("OKP");
    for (const kid of ["stranger-key", t.stack.keyStore.current.kid]) {
      const token = await new SignJWT(claimsOfA())
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
        .sign(privateKey);
      expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
    }
  });

  it("expired", async () => {
    const token = await signWithRealKey({
      ...claimsOfA(),
      iat: now() - 3600,
      exp: now() - 1800,
      jti: randomUUID(),
    });
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
  });

  it("not yet valid (iat or nbf in the future)", async () => {
    const early = await signWithRealKey({
      ...claimsOfA(),
      iat: now() + 3600,
      exp: now() + 4500,
      jti: randomUUID(),
    });
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token: early }));
    const notBefore = await signWithRealKey({ ...claimsOfA(), nbf: now() + 3600, jti: randomUUID() });
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token: notBefore }));
  });

  it("a tampered payload", async () => {
    const [header, , signature] = userA.accessToken.split(".");
    const token = `${header}.${b64({ ...claimsOfA(), sub: world.userA })}.${signature}`;
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
  });

  it("a token of site A at site B and at the platform", async () => {
    expectRefused(await t.gql(ME, { tenant: siteB.site.slug, token: userA.accessToken }));
    expectRefused(await t.gql(ME, { token: userA.accessToken }));
  });

  it("a platform token at a site", async () => {
    const email = `${randomUUID()}@example.test`;
    const password = strongPassword();
    const signUp = await t.gql("mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }", {
      variables: { input: { email, password, name: "Plat" } },
    });
    const token = signUp.json.data.signUp.accessToken;
    expect((await t.gql(ME, { token })).json.data.me.email).toBe(email);
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token }));
  });

  it("a revoked (signed-out) token", async () => {
    const session = await signedIn(t, siteA.admin, siteA.site.slug);
    await t.gql("mutation { signOut }", { tenant: siteA.site.slug, token: session.accessToken });
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token: session.accessToken }));
  });

  it("a reused refresh token: refused, the family revoked, later refreshes of it fail", async () => {
    const session = await signedIn(t, siteA.admin, siteA.site.slug);
    const next = (await refreshAt(t, session.refreshToken, siteA.site.slug)).json.data.refreshSession;
    const reuse = await refreshAt(t, session.refreshToken, siteA.site.slug);
    expect(reuse.json.data).toBeNull();
    expect(reuse.json.errors[0]).toMatchObject({
      message: "Invalid or expired refresh token",
      extensions: { code: "UNAUTHENTICATED" },
    });
    expect(errorCode(await refreshAt(t, next.refreshToken, siteA.site.slug))).toBe("UNAUTHENTICATED");
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token: next.accessToken }));
  });

  it("a deactivated user's live token", async () => {
    const admin = await signedIn(t, siteA.admin, siteA.site.slug);
    const email = `${randomUUID()}@example.test`;
    const password = strongPassword();
    const created = await t.gql("mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      tenant: siteA.site.slug,
      token: admin.accessToken,
      variables: { input: { email, password, name: "Vic" } },
    });
    const victim = await signedIn(t, { email, password }, siteA.site.slug);
    expect((await t.gql(ME, { tenant: siteA.site.slug, token: victim.accessToken })).json.data.me.email).toBe(
      email,
    );
    await t.gql("mutation ($id: ID!) { deactivateUser(id: $id) { isActive } }", {
      tenant: siteA.site.slug,
      token: admin.accessToken,
      variables: { id: created.json.data.createUser.id },
    });
    expectRefused(await t.gql(ME, { tenant: siteA.site.slug, token: victim.accessToken }));
    expect(errorCode(await refreshAt(t, victim.refreshToken, siteA.site.slug))).toBe("UNAUTHENTICATED");
  });
});

describe("enumeration", () => {
  it("an unknown email and a wrong password get the same error, in similar time", async () => {
    const attempt = async (email: string) => {
      const started = performance.now();
      const res = await signInAt(t, { email, password: strongPassword() }, siteB.site.slug);
      return { ms: performance.now() - started, error: res.json.errors[0], data: res.json.data };
    };
    // Warm up both paths once.
    await attempt(siteB.admin.email);
    await attempt(`${randomUUID()}@example.test`);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const wrongPassword = await attempt(siteB.admin.email);
      const noSuchUser = await attempt(`${randomUUID()}@example.test`);
      expect(wrongPassword.data).toBeNull();
      expect(noSuchUser.data).toBeNull();
      expect(noSuchUser.error).toEqual(wrongPassword.error);
      expect(wrongPassword.error).toMatchObject({
        message: "invalid email or password",
        extensions: { code: "UNAUTHENTICATED" },
      });
      known.push(wrongPassword.ms);
      unknown.push(noSuchUser.ms);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1] ?? 0;
    // Both verify an argon2id hash; without the dummy hash an unknown email would answer far sooner.
    expect(median(unknown)).toBeGreaterThan(median(known) / 3);
    expect(median(unknown)).toBeLessThan(median(known) * 3);
  });
});

describe("brute force", () => {
  it("limits failed sign-ins per (scope, email): RATE_LIMITED even with the right password", async () => {
    const { site, admin } = await createSiteWithAdmin(t, world.organization.id);
    for (let i = 0; i < 5; i += 1) {
      const res = await signInAt(t, { email: admin.email, password: strongPassword() }, site.slug);
      expect(errorCode(res)).toBe("UNAUTHENTICATED");
    }
    const blocked = await signInAt(t, admin, site.slug);
    expect(blocked.json.errors[0]).toMatchObject({
      message: expect.stringMatching(/^too many failed sign-ins; try again in \d+ min$/),
      extensions: { code: "RATE_LIMITED" },
    });
    // Like the gateway's own limits: HTTP 429 with Retry-After.
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    // The same email in another scope, and other emails here, are not affected.
    expect(errorCode(await signInAt(t, { email: admin.email, password: strongPassword() }))).toBe(
      "UNAUTHENTICATED",
    );
    expect((await signInAt(t, siteA.admin, siteA.site.slug)).json.data.signIn).not.toBeNull();
  });

  it("16 simultaneous wrong passwords: 5 are checked, 11 refused with 429 before any check; the lockout is recorded", async () => {
    const { site, admin } = await createSiteWithAdmin(t, world.organization.id);
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        signInAt(t, { email: admin.email, password: strongPassword() }, site.slug),
      ),
    );
    expect(results.filter((res) => errorCode(res) === "UNAUTHENTICATED")).toHaveLength(5);
    const limited = results.filter((res) => errorCode(res) === "RATE_LIMITED");
    expect(limited).toHaveLength(11);
    for (const res of limited) expect(res.status).toBe(429);
    // The right password cannot outrun the limit either.
    expect(errorCode(await signInAt(t, admin, site.slug))).toBe("RATE_LIMITED");
    // The failure that used up the attempts is in the site's trail, once.
    const { rows } = await t.db.pool.query(
      `SELECT actor_type FROM "${site.schemaName}".audit_events WHERE action = 'session.locked_out'`,
    );
    expect(rows).toEqual([{ actor_type: "SYSTEM" }]);
  });

  it("a successful sign-in resets the email's count", async () => {
    const { site, admin } = await createSiteWithAdmin(t, world.organization.id);
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 4; i += 1) {
        expect(
          errorCode(await signInAt(t, { email: admin.email, password: strongPassword() }, site.slug)),
        ).toBe("UNAUTHENTICATED");
      }
      expect((await signInAt(t, admin, site.slug)).json.data.signIn).not.toBeNull();
    }
  });

  it("limits failed sign-ins per IP across emails", async () => {
    const small = await startTestStack({ SIGNIN_FAILURES_PER_IP: "4" });
    try {
      const org = await createWorld(small);
      const { site, admin } = await createSiteWithAdmin(small, org.organization.id);
      for (let i = 0; i < 4; i += 1) {
        const res = await signInAt(small, {
          email: `${randomUUID()}@example.test`,
          password: strongPassword(),
        });
        expect(errorCode(res)).toBe("UNAUTHENTICATED");
      }
      expect(errorCode(await signInAt(small, admin, site.slug))).toBe("RATE_LIMITED");
    } finally {
      await small.close();
    }
  });
});

describe("logs", () => {
  it("carry outcomes and ids, never a password, token or key", async () => {
    const secrets: string[] = [
      siteA.admin.password,
      siteB.admin.password,
      userA.accessToken,
      userA.refreshToken,
    ];
    const admin = await signedIn(t, siteA.admin, siteA.site.slug);
    secrets.push(admin.accessToken, admin.refreshToken);
    const password = strongPassword();
    const email = `${randomUUID()}@example.test`;
    secrets.push(password);
    await t.gql("mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      tenant: siteA.site.slug,
      token: admin.accessToken,
      variables: { input: { email, password, name: "Logged" } },
    });
    const wrong = strongPassword();
    secrets.push(wrong);
    await signInAt(t, { email, password: wrong }, siteA.site.slug);
    const session = await signedIn(t, { email, password }, siteA.site.slug);
    secrets.push(session.accessToken, session.refreshToken);
    const next = (await refreshAt(t, session.refreshToken, siteA.site.slug)).json.data.refreshSession;
    secrets.push(next.accessToken, next.refreshToken);
    await refreshAt(t, session.refreshToken, siteA.site.slug);
    const created = await t.gql(
      'mutation { createApiKey(input: { name: "logged", scopes: ["users.view"] }) { key apiKey { id } } }',
      { tenant: siteA.site.slug, token: admin.accessToken },
    );
    const key = created.json.data.createApiKey.key as string;
    secrets.push(key);
    await t.gql("{ users { edges { node { id } } } }", {
      tenant: siteA.site.slug,
      headers: { authorization: `ApiKey ${key}` },
    });
    await t.gql("{ me { id } }", { tenant: siteA.site.slug, headers: { authorization: `ApiKey ${key}x` } });
    await t.gql("mutation { signOut }", { tenant: siteA.site.slug, token: admin.accessToken });
    await t.gql(ME, { tenant: siteA.site.slug, token: admin.accessToken });

    const text = lines.join("");
    // The capture works: these flows were logged.
    expect(text).toContain("session started");
    expect(text).toContain("sign-in failed");
    expect(text).toContain("refresh token reused");
    expect(text).toContain("signed out");
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Nor any hash of them.
    expect(text).not.toMatch(/\$argon2id\$/);
  });
});
