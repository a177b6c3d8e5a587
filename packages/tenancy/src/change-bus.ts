import { EventEmitter } from "node:events";
import { Redis } from "ioredis";

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

export const createTenantChangeBus = ({ redisUrl }: { redisUrl?: string | undefined }): TenantChangeBus => {
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
  const publisher = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let subscriber: Redis | null = null;
  const listeners = new Set<(key: string) => void>();
  return {
    publish: async (key) => {
      await publisher.publish(CHANNEL, key);
    },
    subscribe: (listener) => {
      listeners.add(listener);
      if (!subscriber) {
        subscriber = new Redis(redisUrl);
        subscriber.on("message", (_channel: string, key: string) => {
          for (const l of listeners) l(key);
        });
        void subscriber.subscribe(CHANNEL);
      }
      return () => listeners.delete(listener);
    },
    close: async () => {
      publisher.disconnect();
      subscriber?.disconnect();
    },
  };
};
