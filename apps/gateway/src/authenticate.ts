import type { Actor, KeyStore, TenantRef } from "@taruvi/auth";
import { audienceFor, verifyAccessToken } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import { quoteSchema } from "@taruvi/tenancy";
import { LRUCache } from "lru-cache";

export type Authenticator = {
  /** The verified caller, null when anonymous; UNAUTHENTICATED for a bad credential. */
  authenticate: (authorization: string | undefined, tenant: TenantRef | null) => Promise<Actor | null>;
};

/** Verified tokens are remembered this long at most (and never past their expiry). */
const CACHE_SECONDS = 30;

const rejected = (why: string) =>
  new AppError("UNAUTHENTICATED", `credential rejected: ${why}`, { userMessage: "Invalid or expired token" });

/**
 * Bearer access tokens: EdDSA only, `aud` must equal the addressed scope, and the principal must
 * still exist and be active. Verified results are cached per token for a short time.
 */
export const createAuthenticator = ({
  keyStore,
  issuer,
  pool,
}: {
  keyStore: KeyStore;
  issuer: string;
  pool: Pool;
}): Authenticator => {
  const cache = new LRUCache<string, Actor>({ max: 50_000, ttlAutopurge: false });

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

  return {
    authenticate: async (authorization, tenant) => {
      if (!authorization) return null;
      const [scheme, token] = authorization.split(" ", 2);
      if (scheme?.toLowerCase() !== "bearer" || !token) throw rejected("unsupported authorization scheme");
      const audience = audienceFor(tenant);
      const key = `${audience} ${token}`;
      const cached = cache.get(key);
      if (cached) return cached;

      const claims = await verifyAccessToken(keyStore, token, { audience, issuer });
      if (!/^[0-9a-f-]{36}$/i.test(claims.sub)) throw rejected("subject is not an id");
      const found = await principal(tenant, claims.sub);
      if (!found?.active) throw rejected("principal missing or deactivated");
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
    },
  };
};
