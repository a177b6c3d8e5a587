import { connectRedis, type RedisLogger } from "@taruvi/redis";

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
  /**
   * False while Redis is away: revocations made elsewhere may be missing from this list (callers
   * check their durable record instead). Always true without Redis (one process).
   */
  isCurrent: () => boolean;
  /** Resolves once revocations made before this process started are loaded. */
  ready: Promise<void>;
  close: () => Promise<void>;
};

/** Where revocations made while Redis is away wait (a pg Pool fits): platform.pending_revocations. */
export type RevocationOutbox = {
  query: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
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
 *
 * While Redis is away, lookups keep answering from memory; a revocation made meanwhile (its
 * session row is already revoked in PostgreSQL by the caller) is applied here at once and kept
 * until Redis is back, then stored and published: in the `outbox` table when one is given (it
 * survives a restart of this process, and any process holding the outbox publishes it), in
 * memory otherwise. On every reconnection the list re-reads Redis, so revocations other
 * processes published during the outage are not missed.
 */
export const createRevocationList = ({
  redisUrl,
  logger,
  outbox,
}: {
  redisUrl?: string | undefined;
  logger?: RedisLogger | undefined;
  outbox?: RevocationOutbox | undefined;
}): RevocationList => {
  if (!redisUrl) {
    return {
      revoke: async (kind, id, ttlSeconds) => {
        processLocal.add(`${kind}:${id}`, Date.now() + ttlSeconds * 1000);
      },
      isRevoked: (kind, id) => processLocal.has(`${kind}:${id}`),
      isCurrent: () => true,
      ready: Promise.resolve(),
      close: async () => undefined,
    };
  }

  const local = createLocal();
  const commands = connectRedis(redisUrl, { name: "taruvi-revocations", logger });
  const subscriber = connectRedis(redisUrl, { name: "taruvi-revocations-sub", logger });
  const redis = commands.client;
  subscriber.client.on("message", (_channel: string, message: string) => {
    const at = message.lastIndexOf("@");
    local.add(message.slice(0, at), Number(message.slice(at + 1)));
  });
  /** Revocations made while Redis was away (no outbox, or the outbox failed too): key → expiry (ms). */
  const pending = new Map<string, number>();
  const hold = async (key: string, expiresAt: number) => {
    if (outbox) {
      try {
        await outbox.query(
          `INSERT INTO platform.pending_revocations (key, expires_at) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET expires_at = GREATEST(pending_revocations.expires_at, EXCLUDED.expires_at)`,
          [key, new Date(expiresAt)],
        );
        return;
      } catch (error) {
        logger?.warn({ err: error }, "revocation kept in memory only: its outbox is unavailable");
      }
    }
    pending.set(key, Math.max(expiresAt, pending.get(key) ?? 0));
  };

  const store = async (key: string, expiresAt: number) => {
    const ttlMs = expiresAt - Date.now();
    if (ttlMs <= 0) return;
    await redis
      .multi()
      .set(`${PREFIX}${key}`, "1", "PX", ttlMs)
      .publish(CHANNEL, `${key}@${expiresAt}`)
      .exec();
  };

  const load = async () => {
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

  const flush = async () => {
    for (const [key, expiresAt] of pending) {
      await store(key, expiresAt);
      pending.delete(key);
    }
    if (!outbox) return;
    await outbox.query("DELETE FROM platform.pending_revocations WHERE expires_at <= now()");
    const { rows } = await outbox.query("SELECT key, expires_at FROM platform.pending_revocations");
    for (const row of rows as { key: string; expires_at: Date }[]) {
      await store(row.key, row.expires_at.getTime());
      // A later revocation of the same key (a longer expiry) stays for the next flush.
      await outbox.query("DELETE FROM platform.pending_revocations WHERE key = $1 AND expires_at <= $2", [
        row.key,
        row.expires_at,
      ]);
    }
  };

  /** Subscribed on the current connection (loads count as complete only then). */
  let subscribed = false;
  let synced: () => void = () => undefined;
  const syncedOnce = new Promise<void>((resolve) => {
    synced = resolve;
  });
  /** Re-reads Redis and publishes what waited; a failure waits for the next reconnection. */
  const sync = () => {
    if (!commands.isUp()) return;
    const afterSubscription = subscribed;
    Promise.all([load(), flush()]).then(
      () => afterSubscription && synced(),
      () => undefined,
    );
  };
  subscriber.client.on("close", () => {
    subscribed = false;
  });
  subscriber.onUp(() => {
    // Loaded again once subscribed, so nothing published between the two is missed.
    subscriber.client.subscribe(CHANNEL).then(
      () => {
        subscribed = true;
        sync();
      },
      () => undefined,
    );
  });
  commands.onUp(sync);

  return {
    revoke: async (kind, id, ttlSeconds) => {
      const key = `${kind}:${id}`;
      const expiresAt = Date.now() + ttlSeconds * 1000;
      local.add(key, expiresAt);
      if (!commands.isUp()) return hold(key, expiresAt);
      try {
        await store(key, expiresAt);
      } catch {
        // Went down meanwhile: published on reconnection.
        await hold(key, expiresAt);
      }
    },
    isRevoked: (kind, id) => local.has(`${kind}:${id}`),
    isCurrent: () => subscribed && commands.isUp() && subscriber.isUp(),
    // A process that starts while Redis is away serves from memory rather than not at all.
    ready: Promise.race([syncedOnce, new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref())]),
    close: async () => {
      subscriber.close();
      commands.close();
    },
  };
};
