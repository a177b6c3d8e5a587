import { EventEmitter } from "node:events";
import { connectRedis, type RedisConnection, type RedisLogger } from "@taruvi/redis";

/**
 * Tells every gateway that a site's addressing or status changed (suspended, deleted, domain
 * added, slug renamed), so its tenant cache drops the entry at once. Redis pub/sub across
 * processes; an in-process emitter when no Redis is configured (one process serves all).
 */
export type TenantChangeBus = {
  /** `key` is a site slug or host name; "*" drops everything. */
  publish: (key: string) => Promise<void>;
  subscribe: (listener: (key: string) => void) => () => void;
  close: () => Promise<void>;
};

const CHANNEL = "taruvi:tenant-changed";
const local = new EventEmitter().setMaxListeners(0);

/**
 * With Redis: while it is away, a change is delivered to this process's listeners at once and
 * published when Redis is back; every listener is told "*" (drop everything) on each
 * reconnection, since changes announced elsewhere during the outage were missed.
 */
export const createTenantChangeBus = ({
  redisUrl,
  logger,
}: {
  redisUrl?: string | undefined;
  logger?: RedisLogger | undefined;
}): TenantChangeBus => {
  if (!redisUrl) {
    return {
      publish: async (key) => {
        local.emit(CHANNEL, key);
      },
      subscribe: (listener) => {
        local.on(CHANNEL, listener);
        return () => local.off(CHANNEL, listener);
      },
      close: async () => undefined,
    };
  }
  const publisher = connectRedis(redisUrl, { name: "taruvi-tenant-changes", logger });
  let subscriber: RedisConnection | null = null;
  const listeners = new Set<(key: string) => void>();
  const deliver = (key: string) => {
    for (const l of listeners) l(key);
  };
  /** Changes announced while Redis was away, published once it is back. */
  const pending = new Set<string>();
  const flush = async () => {
    for (const key of pending) {
      await publisher.client.publish(CHANNEL, key);
      pending.delete(key);
    }
  };
  publisher.onUp(() => {
    flush().catch(() => undefined);
  });
  return {
    publish: async (key) => {
      try {
        await publisher.client.publish(CHANNEL, key);
      } catch {
        pending.add(key);
        deliver(key);
      }
    },
    subscribe: (listener) => {
      listeners.add(listener);
      if (!subscriber) {
        const connection = connectRedis(redisUrl, { name: "taruvi-tenant-changes-sub", logger });
        subscriber = connection;
        connection.client.on("message", (_channel: string, key: string) => deliver(key));
        let connections = 0;
        connection.onUp(() => {
          connections += 1;
          connection.client.subscribe(CHANNEL).then(
            () => {
              if (connections > 1) deliver("*");
            },
            () => undefined,
          );
        });
      }
      return () => listeners.delete(listener);
    },
    close: async () => {
      publisher.close();
      subscriber?.close();
    },
  };
};
