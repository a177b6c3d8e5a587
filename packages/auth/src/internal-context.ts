import { AppError } from "@taruvi/errors";
import { errors, jwtVerify, SignJWT } from "jose";

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

const ALG = "HS256";
const ISSUER = "taruvi-gateway";
const MAX_TTL_SECONDS = 60;

export const internalContextKey = (secret: string): Uint8Array => {
  if (Buffer.byteLength(secret) < 32) {
    throw new AppError("INTERNAL_SERVER_ERROR", "INTERNAL_CONTEXT_SECRET must be at least 32 bytes");
  }
  return new TextEncoder().encode(secret);
};

/** Signs the context for one subgraph: `aud` is the subgraph's name, valid `ttlSeconds` (≤ 60). */
export const signInternalContext = (
  key: Uint8Array,
  context: Omit<InternalContext, "client"> & { client?: ClientInfo },
  { audience, ttlSeconds = 30 }: { audience: string; ttlSeconds?: number },
): Promise<string> =>
  new SignJWT({
    tenant: context.tenant,
    actor: context.actor,
    rid: context.requestId,
    client: context.client,
  })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlSeconds, MAX_TTL_SECONDS)}s`)
    .sign(key);

const unauthenticated = (why: string) =>
  new AppError("UNAUTHENTICATED", `internal context rejected: ${why}`, {
    userMessage: "This service accepts requests from the gateway only",
  });

/**
 * Verifies a context signed for `audience`. Missing, forged, expired or addressed to another
 * subgraph: UNAUTHENTICATED.
 */
export const verifyInternalContext = async (
  key: Uint8Array,
  token: string | undefined,
  { audience }: { audience: string },
): Promise<InternalContext> => {
  if (!token) throw unauthenticated("missing");
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALG],
      issuer: ISSUER,
      audience,
      maxTokenAge: `${MAX_TTL_SECONDS}s`,
      requiredClaims: ["exp", "iat"],
    });
    if (typeof payload.rid !== "string") throw unauthenticated("no request id");
    return {
      requestId: payload.rid,
      tenant: (payload.tenant as TenantRef | null) ?? null,
      actor: (payload.actor as Actor | null) ?? null,
      client: (payload.client as ClientInfo | null) ?? { ip: null, userAgent: null },
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof errors.JWTExpired) throw unauthenticated("expired");
    if (error instanceof errors.JWTClaimValidationFailed)
      throw unauthenticated(`claim ${error.claim} invalid`);
    throw unauthenticated("bad signature or format");
  }
};
