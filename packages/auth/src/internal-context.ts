import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { AppError } from "@taruvi/errors";

/** The HTTP header carrying the gateway's signed context to a subgraph. */
export const INTERNAL_CONTEXT_HEADER = "x-taruvi-context";

/** Who is calling, as the gateway verified it. */
export type Actor = {
  type: "account" | "user" | "api_key";
  id: string;
  /** Session (refresh-token family member) of an access token. */
  sessionId?: string;
  /** Access token id, for revocation. */
  tokenId?: string;
  superuser?: boolean;
  /** Permissions of an API key. */
  scopes?: string[];
};

/** The site a request addresses; null for the platform scope. */
export type TenantRef = { siteId: string; slug: string; schema: string };

/** The end client as the gateway saw it (for rate limits on sign-in and the audit trail). */
export type ClientInfo = { ip: string | null; userAgent: string | null };

export type InternalContext = {
  requestId: string;
  tenant: TenantRef | null;
  actor: Actor | null;
  client: ClientInfo;
};

const ISSUER = "taruvi-gateway";
/**
 * A context lives a few seconds: long enough to cross the network to a subgraph, too short to be
 * worth capturing. It also names the exact request body it was signed for, so a captured header
 * cannot carry another operation.
 */
export const INTERNAL_CONTEXT_TTL_SECONDS = 5;
const MAX_TTL_SECONDS = 10;
/** Clock skew allowed between the gateway and a subgraph. */
const SKEW_SECONDS = 2;
/** How late past its life a context the gateway signed is still taken for lateness, not replay. */
const LATE_SECONDS = 20;

/** SHA-256 of the exact request body (POST) or query string (GET) a context is signed for. */
export const requestDigest = (body: string): string => createHash("sha256").update(body).digest("base64url");
/** The only protected header this module writes or accepts: HS256, pinned. */
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/**
 * The HMAC key of INTERNAL_CONTEXT_SECRET, made once: a KeyObject, so that signing and checking
 * each fetch's context does not import the raw secret again (as `createHmac` does with bytes).
 */
export type InternalContextKey = KeyObject;

export const internalContextKey = (secret: string): InternalContextKey => {
  if (Buffer.byteLength(secret) < 32) {
    throw new AppError("INTERNAL_SERVER_ERROR", "INTERNAL_CONTEXT_SECRET must be at least 32 bytes");
  }
  return createSecretKey(Buffer.from(secret, "utf8"));
};

const mac = (key: InternalContextKey, signingInput: string): Buffer =>
  createHmac("sha256", key).update(signingInput).digest();

/**
 * Signs the context for one subgraph as a compact JWS (HS256): `aud` is the subgraph's name,
 * `bdh` the SHA-256 of the exact body sent with it, valid `ttlSeconds` (default 5, at most 10).
 * node:crypto's HMAC, not jose: this runs on every subgraph fetch and jose's WebCrypto path
 * measured ~140 µs a signature against ~3 µs (docs/decisions/0003).
 */
export const signInternalContext = (
  key: InternalContextKey,
  context: Omit<InternalContext, "client"> & { client?: ClientInfo },
  {
    audience,
    body,
    ttlSeconds = INTERNAL_CONTEXT_TTL_SECONDS,
  }: { audience: string; body: string; ttlSeconds?: number },
): string => {
  const iat = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(
    JSON.stringify({
      iss: ISSUER,
      aud: audience,
      iat,
      exp: iat + Math.min(ttlSeconds, MAX_TTL_SECONDS),
      bdh: requestDigest(body),
      rid: context.requestId,
      tenant: context.tenant,
      actor: context.actor,
      client: context.client ?? null,
    }),
  ).toString("base64url");
  const signingInput = `${HEADER}.${payload}`;
  return `${signingInput}.${mac(key, signingInput).toString("base64url")}`;
};

const unauthenticated = (why: string) =>
  new AppError("UNAUTHENTICATED", `internal context rejected: ${why}`, {
    userMessage: "This service accepts requests from the gateway only",
  });

type Claims = {
  iss?: unknown;
  aud?: unknown;
  iat?: unknown;
  exp?: unknown;
  bdh?: unknown;
  rid?: unknown;
  tenant?: TenantRef | null;
  actor?: Actor | null;
  client?: ClientInfo | null;
};

const decode = <T>(part: string): T => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as T;

/**
 * Verifies a context signed for `audience` and for exactly `body` (the raw request body, or the
 * query string of a GET): HS256 only, constant-time signature check, issuer, audience, body
 * digest, expiry and age (≤ 10 s). Missing, forged, expired, addressed to another subgraph or
 * replayed with another body: UNAUTHENTICATED. One the gateway signed that arrives up to 20 s too
 * late: SERVICE_UNAVAILABLE (the platform is stalled; the client should retry).
 */
export const verifyInternalContext = async (
  key: InternalContextKey,
  token: string | undefined,
  { audience, body }: { audience: string; body: string },
): Promise<InternalContext> => {
  if (!token) throw unauthenticated("missing");
  const parts = token.split(".");
  if (parts.length !== 3 || token.length > 8192) throw unauthenticated("bad format");
  const [header, payload, signature] = parts as [string, string, string];
  let claims: Claims;
  try {
    const { alg, crit } = decode<{ alg?: unknown; crit?: unknown }>(header);
    if (alg !== "HS256" || crit !== undefined) throw unauthenticated("algorithm not allowed");
    const expected = mac(key, `${header}.${payload}`);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthenticated("bad signature");
    }
    claims = decode<Claims>(payload);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unauthenticated("bad format");
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== ISSUER) throw unauthenticated("claim iss invalid");
  if (claims.aud !== audience) throw unauthenticated("claim aud invalid");
  if (typeof claims.exp !== "number" || typeof claims.iat !== "number")
    throw unauthenticated("no exp or iat");
  if (typeof claims.rid !== "string") throw unauthenticated("no request id");
  if (typeof claims.bdh !== "string" || claims.bdh !== requestDigest(body)) {
    throw unauthenticated("signed for another request body");
  }
  if (claims.iat > now + SKEW_SECONDS) throw unauthenticated("from the future");
  const expired = claims.exp <= now - SKEW_SECONDS;
  if (expired || now - claims.iat > MAX_TTL_SECONDS) {
    // A context our gateway signed (it never signs one for longer than MAX_TTL_SECONDS) that
    // arrives a little late means the platform is stalled (a busy event loop, a long queue), not
    // that the caller is unknown: answered as a retryable 503, so clients retry instead of signing
    // their user out. Later than that, or with a longer life, it is a replay: UNAUTHENTICATED.
    const lifeSigned = claims.exp - claims.iat;
    if (
      lifeSigned > 0 &&
      lifeSigned <= MAX_TTL_SECONDS &&
      now - claims.iat <= MAX_TTL_SECONDS + LATE_SECONDS
    ) {
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        `internal context arrived ${now - claims.iat} s after it was signed`,
        {
          userMessage: "The service is busy; try again",
          retryAfterSeconds: 1,
        },
      );
    }
    throw unauthenticated(expired ? "expired" : "too old");
  }
  return {
    requestId: claims.rid,
    tenant: claims.tenant ?? null,
    actor: claims.actor ?? null,
    client: claims.client ?? { ip: null, userAgent: null },
  };
};
