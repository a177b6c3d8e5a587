import { AppError } from "@taruvi/errors";
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  audienceFor,
  type KeyStore,
  loadKeyStore,
  type SigningKey,
  signAccessToken,
  verifyAccessToken,
} from "./index";

const ISSUER = "https://auth.taruvi.test";
const SITE_A = audienceFor({ siteId: "site-a" });
const SITE_B = audienceFor({ siteId: "site-b" });
const PLATFORM = audienceFor(null);

const privateJwk = async (kid: string): Promise<JWK> => {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
};
const storeOf = (jwks: JWK[]): Promise<KeyStore> =>
  loadKeyStore({ signingKeys: JSON.stringify(jwks), dataDir: "/nonexistent", production: true });

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const validPayload = (): JWTPayload => ({
  iss: ISSUER,
  aud: SITE_A,
  sub: "user-1",
  sid: "session-1",
  jti: "token-1",
  iat: now(),
  exp: now() + 600,
});
/** A token signed with a real key, with whatever header and claims a test needs. */
const forge = (key: SigningKey, payload: JWTPayload, header: Record<string, unknown> = {}) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid, ...header })
    .sign(key.privateKey);

const expectRejected = async (attempt: Promise<unknown>, reason: RegExp) => {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: "UNAUTHENTICATED", userMessage: "Invalid or expired token" });
  expect((error as AppError).message).toMatch(reason);
};

let oldJwk: JWK;
let newJwk: JWK;
let store: KeyStore;
const forSiteA = { audience: SITE_A, issuer: ISSUER };

beforeAll(async () => {
  oldJwk = await privateJwk("key-2024");
  newJwk = await privateJwk("key-2025");
  store = await storeOf([newJwk]);
});

describe("access tokens", () => {
  it("round-trips: EdDSA, kid and typ at+jwt in the header, 15 minutes by default", async () => {
    const { token, claims } = await signAccessToken(store, {
      subject: "user-1",
      sessionId: "session-1",
      audience: SITE_A,
      issuer: ISSUER,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: "key-2025" });
    expect(claims.exp - claims.iat).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verifyAccessToken(store, token, forSiteA)).toEqual(claims);
    expect(claims).toMatchObject({ sub: "user-1", sid: "session-1", aud: "site:site-a", iss: ISSUER });
  });

  it("names the scope: platform or site:<siteId>", () => {
    expect(PLATFORM).toBe("platform");
    expect(SITE_A).toBe("site:site-a");
  });

  it("refuses alg none", async () => {
    const header = base64url({ alg: "none", typ: "at+jwt", kid: store.current.kid });
    await expectRejected(
      verifyAccessToken(store, `${header}.${base64url(validPayload())}.`, forSiteA),
      /algorithm not allowed/,
    );
  });

  it("refuses HS256 signed with the public key as HMAC secret", async () => {
    const x = store.current.publicJwk.x ?? "";
    for (const secret of [new TextEncoder().encode(x), Buffer.from(x, "base64url")]) {
      const token = await new SignJWT(validPayload())
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: store.current.kid })
        .sign(secret);
      await expectRejected(verifyAccessToken(store, token, forSiteA), /algorithm not allowed/);
    }
  });

  it("refuses an unknown kid, a missing kid, and another key's signature under a known kid", async () => {
    const stranger = (await storeOf([await privateJwk("stranger")])).current;
    await expectRejected(
      verifyAccessToken(store, await forge(stranger, validPayload()), forSiteA),
      /unknown kid/,
    );
    const noKid = await forge(stranger, validPayload(), { kid: undefined });
    await expectRejected(verifyAccessToken(store, noKid, forSiteA), /no kid/);
    const impostor = await forge(stranger, validPayload(), { kid: store.current.kid });
    await expectRejected(verifyAccessToken(store, impostor, forSiteA), /bad signature/);
  });

  it("refuses an expired token", async () => {
    const token = await forge(store.current, { ...validPayload(), iat: now() - 3600, exp: now() - 1800 });
    await expectRejected(verifyAccessToken(store, token, forSiteA), /expired/);
  });

  it("refuses a token not yet valid (iat or nbf in the future beyond the tolerance)", async () => {
    const early = await forge(store.current, { ...validPayload(), iat: now() + 3600, exp: now() + 4500 });
    await expectRejected(verifyAccessToken(store, early, forSiteA), /iat/);
    const notBefore = await forge(store.current, { ...validPayload(), nbf: now() + 3600 });
    await expectRejected(verifyAccessToken(store, notBefore, forSiteA), /nbf/);
    const skewed = await forge(store.current, { ...validPayload(), iat: now() + 5 });
    expect((await verifyAccessToken(store, skewed, forSiteA)).sub).toBe("user-1");
  });

  it("refuses a tampered payload", async () => {
    const { token } = await signAccessToken(store, { subject: "user-1", sessionId: "s", ...forSiteA });
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const tampered = `${header}.${base64url({ ...claims, sub: "admin" })}.${signature}`;
    await expectRejected(verifyAccessToken(store, tampered, forSiteA), /bad signature/);
  });

  it("makes a token of site A worthless at site B and on the platform", async () => {
    const { token } = await signAccessToken(store, { subject: "user-1", sessionId: "s", ...forSiteA });
    await expectRejected(verifyAccessToken(store, token, { audience: SITE_B, issuer: ISSUER }), /aud/);
    await expectRejected(verifyAccessToken(store, token, { audience: PLATFORM, issuer: ISSUER }), /aud/);
    const both = await forge(store.current, { ...validPayload(), aud: [SITE_A, SITE_B] });
    await expectRejected(verifyAccessToken(store, both, forSiteA), /aud/);
  });

  it("refuses a plain JWT (typ other than at+jwt) and a foreign issuer", async () => {
    const plain = await forge(store.current, validPayload(), { typ: "JWT" });
    await expectRejected(verifyAccessToken(store, plain, forSiteA), /typ/);
    const untyped = await forge(store.current, validPayload(), { typ: undefined });
    await expectRejected(verifyAccessToken(store, untyped, forSiteA), /typ/);
    const foreign = await forge(store.current, { ...validPayload(), iss: "https://evil.test" });
    await expectRejected(verifyAccessToken(store, foreign, forSiteA), /iss/);
  });

  it("refuses garbage and tokens missing a claim", async () => {
    for (const garbage of ["", "a.b.c", "x".repeat(10_000)]) {
      await expectRejected(verifyAccessToken(store, garbage, forSiteA), /./);
    }
    const { sid: _sid, ...withoutSession } = validPayload();
    await expectRejected(
      verifyAccessToken(store, await forge(store.current, withoutSession), forSiteA),
      /sid/,
    );
  });
});

describe("key rotation", () => {
  it("signs with the newest key and verifies older ones until they are retired", async () => {
    const before = await storeOf([oldJwk]);
    const rotated = await storeOf([oldJwk, newJwk]);
    const retired = await storeOf([newJwk]);
    const old = await signAccessToken(before, { subject: "u", sessionId: "s", ...forSiteA });
    expect(decodeProtectedHeader(old.token).kid).toBe("key-2024");

    expect(rotated.current.kid).toBe("key-2025");
    const fresh = await signAccessToken(rotated, { subject: "u", sessionId: "s", ...forSiteA });
    expect(decodeProtectedHeader(fresh.token).kid).toBe("key-2025");
    expect((await verifyAccessToken(rotated, old.token, forSiteA)).jti).toBe(old.claims.jti);
    expect((await verifyAccessToken(retired, fresh.token, forSiteA)).jti).toBe(fresh.claims.jti);
    await expectRejected(verifyAccessToken(retired, old.token, forSiteA), /unknown kid key-2024/);
  });
});
