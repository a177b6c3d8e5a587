import { EventEmitter } from "node:events";
import { connectRedis, type RedisConnection, type RedisLogger } from "@taruvi/redis";

/**
 * Tells every gateway that a site's addressing or status changed (suspended, deleted, domain
 * added, slug renamed), so its tenant cache drops the entry at once, and every subgraph that
 * who holds what in a site changed (`access:<schema>@<version>`, the subgraph kit's site access
 * cache). Redis pub/sub across processes; an in-process emitter when no Redis is configured (one
 * process serves all).
 */
export type TenantChangeBus = {
  /**
   * `key` is a site slug or host name, or `access:<schema>@<version>` (a site's access changed:
   * docs/decisions/0025); "*" drops everything.
   */
  publish: (key: string) => Promise<void>;
  subscribe: (listener: (key: string) => void) => () => void;
  /**
   * Whether changes published by other processes reach this one's listeners now: subscribed on
   * a live connection (with Redis), always (without: one process). False before the first
   * `subscribe` and while Redis is away.
   */
  isCurrent: () => boolean;
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
      isCurrent: () => true,
      close: async () => undefined,
    };
  }
  const publisher = connectRedis(redisUrl, { name: "taruvi-tenant-changes", logger });
  let subscriber: RedisConnection | null = null;
  /** Subscribed on the subscriber's current connection. */
  let subscribed = false;
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
        connection.client.on("close", () => {
          subscribed = false;
        });
        let connections = 0;
        connection.onUp(() => {
          connections += 1;
          connection.client.subscribe(CHANNEL).then(
            () => {
              subscribed = true;
              if (connections > 1) deliver("*");
            },
            () => undefined,
          );
        });
      }
      return () => listeners.delete(listener);
    },
    isCurrent: () => subscribed && subscriber?.isUp() === true && publisher.isUp(),
    close: async () => {
      publisher.close();
      subscriber?.close();
    },
  };
};
