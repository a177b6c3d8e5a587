import { internalContextKey } from "@taruvi/auth";
import { createPlatformClient, type Pool, type TenantClient } from "@taruvi/db";
import type { Logger } from "@taruvi/logging";
import { createTenantClientCache, type DisconnectableClient } from "@taruvi/tenancy";
import { type AccessChangeBus, attachAccessChangeBus } from "./access-cache";
import type { SubgraphDeps } from "./server";

/**
 * What a subgraph needs from its process: one pool, shared by every client, and the change bus
 * its cache of site access listens to and announces through (without one, an entry lives at most
 * a second: nothing tells this process of changes made by others).
 */
export const createSubgraphDeps = <Db extends DisconnectableClient = TenantClient>({
  pool,
  logger,
  internalContextSecret,
  tenantClientCacheSize = 32,
  tenantClient,
  bus,
}: {
  pool: Pool;
  logger: Logger;
  internalContextSecret: string;
  tenantClientCacheSize?: number;
  /** Builds the client a request's `db` is (default: the core tenant client). */
  tenantClient?: (pool: Pool, schema: string) => Db;
  bus?: AccessChangeBus;
}): SubgraphDeps<Db> & { close: () => Promise<void> } => {
  const detach = bus ? attachAccessChangeBus(bus) : () => undefined;
  const platform = createPlatformClient(pool);
  const tenants = createTenantClientCache<Db>({
    pool,
    max: tenantClientCacheSize,
    ...(tenantClient ? { create: tenantClient } : {}),
  });
  return {
    pool,
    platform,
    tenants,
    logger,
    contextKey: internalContextKey(internalContextSecret),
    healthCheck: async () => {
      await pool.query("SELECT 1");
    },
    close: async () => {
      detach();
      await tenants.close();
      await platform.$disconnect();
    },
  };
};
