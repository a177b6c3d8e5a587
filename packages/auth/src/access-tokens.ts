import { randomUUID } from "node:crypto";
import { AppError } from "@taruvi/errors";
import { errors, type JWTHeaderParameters, jwtVerify, SignJWT } from "jose";
import { type KeyStore, SIGNING_ALG } from "./keys";

export type AccessTokenClaims = {
  sub: string;
  sid: string;
  aud: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
};

/** 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 900;
/** The JWT `typ` of an access token (RFC 9068): any other JWT is refused. */
export const ACCESS_TOKEN_TYPE = "at+jwt";
/** The audience of a platform-scope token. */
export const PLATFORM_AUDIENCE = "platform";
/** Default allowance for clock skew between the signer and the verifier. */
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** A real token is well under 1 KiB; anything this long is refused before parsing. */
const MAX_TOKEN_LENGTH = 4096;

/** The `aud` of a token for this scope: `platform`, or `site:<siteId>`. */
export const audienceFor = (tenant: { siteId: string } | null): string => {
  if (tenant === null) return PLATFORM_AUDIENCE;
  if (tenant.siteId === "") throw new AppError("INTERNAL_SERVER_ERROR", "audienceFor: empty siteId");
  return `site:${tenant.siteId}`;
};

/** Signs with the store's newest key; `kid` and `typ: at+jwt` in the header. */
export const signAccessToken = async (
  store: KeyStore,
  input: {
    subject: string;
    sessionId: string;
    audience: string;
    issuer: string;
    ttlSeconds?: number;
    tokenId?: string;
  },
): Promise<{ token: string; claims: AccessTokenClaims }> => {
  const { subject, sessionId, audience, issuer, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS } = input;
  for (const [name, value] of Object.entries({ subject, sessionId, audience, issuer })) {
    if (value === "") throw new AppError("INTERNAL_SERVER_ERROR", `signAccessToken: empty ${name}`);
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new AppError("INTERNAL_SERVER_ERROR", `signAccessToken: bad ttlSeconds ${ttlSeconds}`);
  }
  const iat = Math.floor(Date.now() / 1000);
  const claims: AccessTokenClaims = {
    iss: issuer,
    aud: audience,
    sub: subject,
    sid: sessionId,
    jti: input.tokenId ?? randomUUID(),
    iat,
    exp: iat + ttlSeconds,
  };
  const { current } = store;
  const token = await new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: ACCESS_TOKEN_TYPE, kid: current.kid })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(current.privateKey);
  return { token, claims };
};

/** The reason goes to the logs only: the caller learns nothing about why a token failed. */
const rejected = (reason: string, cause?: unknown) =>
  new AppError("UNAUTHENTICATED", `access token rejected: ${reason}`, {
    userMessage: "Invalid or expired token",
    ...(cause === undefined ? {} : { cause }),
  });

const reasonOf = (error: unknown): string => {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim}: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return "malformed";
};

const nonEmptyString = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * Verifies an access token for one scope: EdDSA only, a known `kid`, `typ: at+jwt`, the issuer,
 * `aud` exactly `expected.audience` (a site's token is worthless elsewhere), not expired, not
 * issued in the future. Any failure: UNAUTHENTICATED "Invalid or expired token".
 */
export const verifyAccessToken = async (
  store: KeyStore,
  token: string,
  expected: { audience: string; issuer: string; clockToleranceSeconds?: number },
): Promise<AccessTokenClaims> => {
  if (typeof token !== "string" || token === "") throw rejected("missing");
  if (token.length > MAX_TOKEN_LENGTH) throw rejected("too long");
  const tolerance = expected.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const keyFor = ({ kid }: JWTHeaderParameters) => {
    const key = kid === undefined ? undefined : store.byKid(kid);
    if (!key) throw rejected(kid === undefined ? "no kid" : `unknown kid ${kid}`);
    return key.publicKey;
  };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keyFor, {
      algorithms: [SIGNING_ALG],
      typ: ACCESS_TOKEN_TYPE,
      issuer: expected.issuer,
      audience: expected.audience,
      clockTolerance: tolerance,
      requiredClaims: ["sub", "sid", "jti", "iat", "exp"],
    }));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw rejected(reasonOf(error), error);
  }
  const { iss, aud, sub, sid, jti, iat, exp } = payload;
  // jose accepts an `aud` array that contains the audience; a token for several scopes is refused.
  if (aud !== expected.audience) throw rejected("claim aud: not exactly the expected audience");
  if (!nonEmptyString(sub) || !nonEmptyString(sid) || !nonEmptyString(jti) || !nonEmptyString(iss)) {
    throw rejected("claims sub, sid, jti and iss must be non-empty strings");
  }
  if (typeof iat !== "number" || typeof exp !== "number") {
    throw rejected("claims iat and exp must be numbers");
  }
  if (iat > Math.floor(Date.now() / 1000) + tolerance) throw rejected("claim iat: in the future");
  return { iss, aud, sub, sid, jti, iat, exp };
};
