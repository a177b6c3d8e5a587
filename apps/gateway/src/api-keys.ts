import type { Actor, RevocationList, TenantRef } from "@taruvi/auth";
import { parseApiKey, sameHash } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import { quoteSchema } from "@taruvi/tenancy";
import { LRUCache } from "lru-cache";

/** Verified keys are remembered this long at most (and never past their expiry). */
const CACHE_SECONDS = 30;

type KeyRow = {
  id: string;
  key_hash: string;
  scopes: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  /** Null: the key has no creator (made before keys were bound to one, or the creator is gone). */
  creator_active: boolean | null;
};

export type ApiKeyVerifier = {
  /** The key's actor in `tenant`; UNAUTHENTICATED when malformed, unknown there, expired or revoked. */
  verify: (key: string, tenant: TenantRef | null) => Promise<Actor>;
};

const rejected = (why: string) =>
  new AppError("UNAUTHENTICATED", `API key rejected: ${why}`, { userMessage: "Invalid or expired API key" });

/**
 * `Authorization: ApiKey <key>`: a key belongs to one site and works only there. The public
 * prefix finds the row in that site's `api_keys`; the stored SHA-256 is compared in constant
 * time. A key whose creator is deactivated, deleted or unknown is refused. Verified keys are cached briefly, but the revocation list is consulted on every request,
 * so a revoked key is refused at once by every gateway.
 */
export const createApiKeyVerifier = ({
  pool,
  revocations,
}: {
  pool: Pool;
  revocations: RevocationList;
}): ApiKeyVerifier => {
  const cache = new LRUCache<string, Actor>({ max: 10_000, ttlAutopurge: false });
  // Entries expire per entry (each set's ttl) but would stay until the cache is full: swept once
  // a minute instead of a timer per entry (ttlAutopurge), so memory follows the live tokens.
  setInterval(() => cache.purgeStale(), 60_000).unref();
  // Keys that matched nothing: asked again within a minute, they cost no query. (A new key has
  // another hash, so this never hides a key created since.)
  const unknown = new LRUCache<string, true>({ max: 50_000, ttl: 60_000 });

  const lookup = async (tenant: TenantRef, prefix: string, hash: string): Promise<Actor> => {
    const schema = quoteSchema(tenant.schema);
    const { rows } = await pool.query<KeyRow>(
      `SELECT k.id, k.key_hash, k.scopes, k.expires_at, k.revoked_at, u.is_active AS creator_active
         FROM ${schema}.api_keys k LEFT JOIN ${schema}.users u ON u.id = k.created_by_id
        WHERE k.prefix = $1`,
      [prefix],
    );
    const row = rows[0];
    if (!row || !sameHash(row.key_hash, hash)) {
      unknown.set(`${tenant.siteId} ${hash}`, true);
      throw rejected("unknown key");
    }
    if (row.revoked_at) throw rejected("revoked");
    // A key is bounded by the user who made it (docs/security.md).
    if (row.creator_active === null) throw rejected("it has no creator; create a new key");
    if (!row.creator_active) throw rejected("its creator is deactivated");
    const expiresAt = row.expires_at?.getTime() ?? Number.POSITIVE_INFINITY;
    if (expiresAt <= Date.now()) throw rejected("expired");
    const actor: Actor = { type: "api_key", id: row.id, scopes: row.scopes ?? [] };
    cache.set(`${tenant.siteId} ${hash}`, actor, {
      ttl: Math.min(CACHE_SECONDS * 1000, expiresAt - Date.now()),
    });
    // When the key was last used, to the nearest cache period; best effort.
    await pool
      .query(`UPDATE ${schema}.api_keys SET last_used_at = now() WHERE id = $1`, [row.id])
      .catch(() => undefined);
    return actor;
  };

  return {
    verify: async (key, tenant) => {
      if (!tenant) throw rejected("API keys belong to a site");
      const parsed = parseApiKey(key);
      if (!parsed) throw rejected("malformed");
      const cacheKey = `${tenant.siteId} ${parsed.hash}`;
      if (unknown.has(cacheKey)) throw rejected("unknown key");
      // While Redis is away the list may miss a revocation made elsewhere: the key's row decides.
      const cached = revocations.isCurrent() ? cache.get(cacheKey) : undefined;
      const actor = cached ?? (await lookup(tenant, parsed.prefix, parsed.hash));
      if (revocations.isRevoked("apiKey", actor.id)) throw rejected("revoked");
      return actor;
    },
  };
};
