import { createTenantClient, type TenantClient } from "@taruvi/db";
import { LRUCache } from "lru-cache";
import type { Pool } from "pg";
import { assertSchemaName, schemaNameForSite } from "./schema-name";

/** What the cache needs of a client: a product service's own generated Prisma client fits. */
export type DisconnectableClient = { $disconnect: () => Promise<void> };

export type TenantClientCache<Client extends DisconnectableClient = TenantClient> = {
  /** The client bound to this site's schema, built on first use. */
  forSite: (siteId: string) => Client;
  forSchema: (schema: string) => Client;
  readonly size: number;
  readonly max: number;
  /** Clients released because the cache was full. */
  readonly evictions: number;
  /** Disconnects every cached client (process shutdown). */
  close: () => Promise<void>;
};

/**
 * A bounded LRU of tenant-bound PrismaClients sharing the process pool. Touching thousands of
 * sites keeps at most `max` clients in memory; the least recently used one is disconnected
 * when a new one is needed. Connections are bounded by the pool, not by the number of sites.
 */
export const createTenantClientCache = <Client extends DisconnectableClient = TenantClient>({
  pool,
  max = 32,
  create = createTenantClient as unknown as (pool: Pool, schema: string) => Client,
}: {
  pool: Pool;
  max?: number;
  /** Builds a client bound to one schema (default: the core tenant client). */
  create?: (pool: Pool, schema: string) => Client;
}): TenantClientCache<Client> => {
  // Each connected client listens for the shared pool's errors: allow one listener per client of
  // every cache on this pool (the stack's subgraphs and each product service share one pool).
  pool.setMaxListeners(pool.getMaxListeners() + max);
  let evictions = 0;
  const pendingDisconnects = new Set<Promise<void>>();
  const cache = new LRUCache<string, Client>({
    max,
    dispose: (client, _schema, reason) => {
      if (reason === "evict") evictions += 1;
      // The pool is shared and outlives the client; $disconnect releases only the client.
      const done = client.$disconnect().finally(() => pendingDisconnects.delete(done));
      pendingDisconnects.add(done);
    },
  });

  const forSchema = (schema: string): Client => {
    const cached = cache.get(schema);
    if (cached) return cached;
    const client = create(pool, assertSchemaName(schema));
    cache.set(schema, client);
    return client;
  };

  return {
    forSchema,
    forSite: (siteId) => forSchema(schemaNameForSite(siteId)),
    get size() {
      return cache.size;
    },
    max,
    get evictions() {
      return evictions;
    },
    close: async () => {
      cache.clear();
      await Promise.all(pendingDisconnects);
    },
  };
};
