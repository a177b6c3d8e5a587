import type { Actor, KeyStore, RevocationList, TenantRef } from "@taruvi/auth";
import { audienceFor, verifyAccessToken } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { AppError, isAppError } from "@taruvi/errors";
import { quoteSchema } from "@taruvi/tenancy";
import { LRUCache } from "lru-cache";
import { createApiKeyVerifier } from "./api-keys";

export type Authenticator = {
  /** The verified caller, null when anonymous; UNAUTHENTICATED for a bad credential. */
  authenticate: (authorization: string | undefined, tenant: TenantRef | null) => Promise<Actor | null>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Verified tokens are remembered this long at most (and never past their expiry). */
const CACHE_SECONDS = 30;

/** Why a credential was rejected, as the authentication-failure metric names it (bounded). */
export type AuthFailureReason =
  | "scheme"
  | "invalid_token"
  | "session_revoked"
  | "principal_inactive"
  | "api_key";

const REASON = Symbol("auth failure reason");

const rejected = (reason: AuthFailureReason, why: string) =>
  Object.assign(
    new AppError("UNAUTHENTICATED", `credential rejected: ${why}`, {
      userMessage: "Invalid or expired token",
    }),
    { [REASON]: reason },
  );

/** A rejection of ours names its reason; the token verifier's (signature, expiry, audience) and the API-key verifier's are told apart by the scheme. */
const reasonOf = (error: unknown, scheme: string | undefined): AuthFailureReason =>
  (error as { [REASON]?: AuthFailureReason })[REASON] ??
  (scheme?.toLowerCase() === "apikey" ? "api_key" : "invalid_token");

/**
 * Bearer access tokens: EdDSA only, `aud` must equal the addressed scope, the principal must
 * still exist and be active, and the token's session family must not be revoked. Verified
 * results are cached per token for a short time; the revocation list is checked on every
 * request. `ApiKey <key>`: see api-keys.ts.
 */
export const createAuthenticator = ({
  keyStore,
  issuer,
  pool,
  revocations,
  onFailure = () => undefined,
}: {
  keyStore: KeyStore;
  issuer: string;
  pool: Pool;
  revocations: RevocationList;
  /** Each rejected credential's reason (the authentication-failure metric). */
  onFailure?: (reason: AuthFailureReason) => void;
}): Authenticator => {
  const cache = new LRUCache<string, Actor>({ max: 50_000, ttlAutopurge: false });
  // Entries expire per entry (each set's ttl) but would stay until the cache is full: swept once
  // a minute instead of a timer per entry (ttlAutopurge), so memory follows the live tokens.
  setInterval(() => cache.purgeStale(), 60_000).unref();
  const apiKeys = createApiKeyVerifier({ pool, revocations });
  /**
   * While Redis is away the list may miss a family revoked by another process: the session rows
   * in PostgreSQL (revoked at sign-out, in the same transaction) decide instead.
   */
  const revokedInDatabase = async (tenant: TenantRef | null, familyId: string): Promise<boolean> => {
    if (!UUID.test(familyId)) return false;
    const table = tenant ? `${quoteSchema(tenant.schema)}.sessions` : "platform.account_sessions";
    const { rows } = await pool.query(
      `SELECT 1 FROM ${table} WHERE family_id = $1::uuid AND revoked_at IS NOT NULL LIMIT 1`,
      [familyId],
    );
    return rows.length > 0;
  };

  /** Sign-out, reuse of a refresh token and deactivation revoke the family (`sid`). */
  const live = async (actor: Actor, tenant: TenantRef | null): Promise<Actor> => {
    if (!actor.sessionId) return actor;
    if (revocations.isRevoked("session", actor.sessionId))
      throw rejected("session_revoked", "session revoked");
    if (!revocations.isCurrent() && (await revokedInDatabase(tenant, actor.sessionId)))
      throw rejected("session_revoked", "session revoked");
    return actor;
  };

  const principal = async (tenant: TenantRef | null, id: string) => {
    if (tenant) {
      const { rows } = await pool.query<{ is_active: boolean }>(
        `SELECT is_active FROM ${quoteSchema(tenant.schema)}.users WHERE id = $1`,
        [id],
      );
      return rows[0] ? { active: rows[0].is_active, superuser: false } : null;
    }
    const { rows } = await pool.query<{ is_active: boolean; is_superuser: boolean }>(
      "SELECT is_active, is_superuser FROM platform.accounts WHERE id = $1",
      [id],
    );
    return rows[0] ? { active: rows[0].is_active, superuser: rows[0].is_superuser } : null;
  };

  const verify = async (
    authorization: string | undefined,
    tenant: TenantRef | null,
  ): Promise<Actor | null> => {
    if (!authorization) return null;
    const [scheme, token] = authorization.split(" ", 2);
    if (scheme?.toLowerCase() === "apikey" && token) return apiKeys.verify(token, tenant);
    if (scheme?.toLowerCase() !== "bearer" || !token)
      throw rejected("scheme", "unsupported authorization scheme");
    const audience = audienceFor(tenant);
    const key = `${audience} ${token}`;
    const cached = cache.get(key);
    if (cached) return live(cached, tenant);

    const claims = await verifyAccessToken(keyStore, token, { audience, issuer });
    if (revocations.isRevoked("session", claims.sid)) throw rejected("session_revoked", "session revoked");
    if (!revocations.isCurrent() && (await revokedInDatabase(tenant, claims.sid)))
      throw rejected("session_revoked", "session revoked");
    if (!/^[0-9a-f-]{36}$/i.test(claims.sub)) throw rejected("invalid_token", "subject is not an id");
    const found = await principal(tenant, claims.sub);
    if (!found?.active) throw rejected("principal_inactive", "principal missing or deactivated");
    const actor: Actor = {
      type: tenant ? "user" : "account",
      id: claims.sub,
      sessionId: claims.sid,
      tokenId: claims.jti,
      ...(found.superuser ? { superuser: true } : {}),
    };
    const ttl = Math.min(CACHE_SECONDS * 1000, claims.exp * 1000 - Date.now());
    if (ttl > 0) cache.set(key, actor, { ttl });
    return actor;
  };

  return {
    authenticate: async (authorization, tenant) => {
      try {
        return await verify(authorization, tenant);
      } catch (error) {
        if (isAppError(error) && error.code === "UNAUTHENTICATED") {
          onFailure(reasonOf(error, authorization?.split(" ", 1)[0]));
        }
        throw error;
      }
    },
  };
};
