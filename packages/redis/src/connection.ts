import { Redis } from "ioredis";

/** The two levels a connection logs at (a pino logger fits). */
export type RedisLogger = {
  warn: (fields: object, message: string) => void;
  info: (fields: object, message: string) => void;
};

/** The ioredis client a connection holds (rate-limiter-flexible's store client). */
export type RedisClient = Redis;

export type RedisConnection = {
  client: Redis;
  /** Connected and ready: commands are being answered. */
  isUp: () => boolean;
  /**
   * Runs `listener` every time the connection becomes ready, the first time included (subscribe,
   * load, flush what waited): commands sent while it is down fail at once instead of queueing.
   */
  onUp: (listener: () => void) => () => void;
  close: () => void;
};

/** Reconnect after 100 ms, 200 ms, … at most every 2 s, for as long as Redis is away. */
const RECONNECT_CAP_MS = 2_000;
const reconnectDelay = (attempt: number): number =>
  Math.min(100 * 2 ** Math.min(attempt, 5), RECONNECT_CAP_MS);

/**
 * Whether each Redis this process uses is up, shared by its connections so an outage is logged
 * once per state change (down, then up again), not once per connection or per attempt.
 */
const servers = new Map<string, { down: Set<symbol> }>();

/** host:port of a Redis URL, without its credentials, for logs. */
const where = (url: string): string => {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "redis";
  }
};

/**
 * A Redis client that fails fast while Redis is away: no offline queue (a command sent while
 * it is down is refused at once; callers fall back to memory or answer 503), one retry per
 * command, bounded connect and command times, and reconnection with a capped back-off that never
 * gives up. Its errors are logged once per state change of the server, never per attempt.
 */
export const connectRedis = (
  url: string,
  { name, logger }: { name: string; logger?: RedisLogger | undefined },
): RedisConnection => {
  const server = where(url);
  const shared = servers.get(server) ?? { down: new Set<symbol>() };
  servers.set(server, shared);
  const self = Symbol(name);
  const listeners = new Set<() => void>();
  let closed = false;

  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    // Subscriptions are renewed by `onUp` listeners, which also run on the first connection.
    autoResubscribe: false,
    retryStrategy: reconnectDelay,
  });

  const wentDown = (error?: Error) => {
    if (closed || shared.down.has(self)) return;
    const first = shared.down.size === 0;
    shared.down.add(self);
    if (first) {
      logger?.warn(
        { redis: server, err: error?.message ?? "connection closed" },
        "redis unavailable: serving from memory, reconnecting",
      );
    }
  };
  client.on("error", (error: Error) => wentDown(error));
  client.on("close", () => wentDown());
  client.on("ready", () => {
    if (shared.down.delete(self) && shared.down.size === 0) {
      logger?.info({ redis: server }, "redis available again");
    }
    for (const listener of listeners) listener();
  });

  return {
    client,
    isUp: () => client.status === "ready",
    onUp: (listener) => {
      listeners.add(listener);
      if (client.status === "ready") listener();
      return () => listeners.delete(listener);
    },
    close: () => {
      closed = true;
      shared.down.delete(self);
      client.disconnect();
    },
  };
};
