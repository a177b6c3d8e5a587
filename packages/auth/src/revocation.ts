import { Redis } from "ioredis";

/**
 * What can be revoked before it expires: a session family (every access token whose `sid` is
 * it) or an API key.
 */
export type RevocationKind = "session" | "apiKey";

export type RevocationList = {
  /** Denies `id` for `ttlSeconds` (at least the longest life of a credential it covers). */
  revoke: (kind: RevocationKind, id: string, ttlSeconds: number) => Promise<void>;
  /** Local and synchronous: checked on every request. */
  isRevoked: (kind: RevocationKind, id: string) => boolean;
  /** Resolves once revocations made before this process started are loaded. */
  ready: Promise<void>;
  close: () => Promise<void>;
};

const CHANNEL = "taruvi:revocations";
const PREFIX = "taruvi:revoked:";

/** In-memory entries, shared by every list of this process (memory mode) or fed by Redis. */
const createLocal = () => {
  const entries = new Map<string, number>();
  return {
    add: (key: string, expiresAt: number) => {
      if (expiresAt > Date.now()) entries.set(key, Math.max(expiresAt, entries.get(key) ?? 0));
    },
    has: (key: string) => {
      const expiresAt = entries.get(key);
      if (expiresAt === undefined) return false;
      if (expiresAt > Date.now()) return true;
      entries.delete(key);
      return false;
    },
  };
};

const processLocal = createLocal();

/**
 * Revocations reach every gateway within milliseconds: Redis (a key with a TTL for gateways
 * that start later, and pub/sub for the running ones), or this process's memory when no Redis
 * is configured. Lookups never leave the process.
 */
export const createRevocationList = ({ redisUrl }: { redisUrl?: string | undefined }): RevocationList => {
  if (!redisUrl) {
    return {
      revoke: async (kind, id, ttlSeconds) => {
        processLocal.add(`${kind}:${id}`, Date.now() + ttlSeconds * 1000);
      },
      isRevoked: (kind, id) => processLocal.has(`${kind}:${id}`),
      ready: Promise.resolve(),
      close: async () => undefined,
    };
  }

  const local = createLocal();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const subscriber = new Redis(redisUrl);
  subscriber.on("message", (_channel: string, message: string) => {
    const at = message.lastIndexOf("@");
    local.add(message.slice(0, at), Number(message.slice(at + 1)));
  });

  const load = async () => {
    await subscriber.subscribe(CHANNEL);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length === 0) continue;
      const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
      keys.forEach((key, i) => {
        const ttl = ttls[i] ?? -1;
        if (ttl > 0) local.add(key.slice(PREFIX.length), Date.now() + ttl);
      });
    } while (cursor !== "0");
  };

  return {
    revoke: async (kind, id, ttlSeconds) => {
      const key = `${kind}:${id}`;
      const expiresAt = Date.now() + ttlSeconds * 1000;
      local.add(key, expiresAt);
      await redis
        .multi()
        .set(`${PREFIX}${key}`, "1", "EX", ttlSeconds)
        .publish(CHANNEL, `${key}@${expiresAt}`)
        .exec();
    },
    isRevoked: (kind, id) => local.has(`${kind}:${id}`),
    ready: load(),
    close: async () => {
      subscriber.disconnect();
      redis.disconnect();
    },
  };
};
