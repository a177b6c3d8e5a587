import { internalContextKey } from "@taruvi/auth";
import { createPlatformClient, type Pool } from "@taruvi/db";
import type { Logger } from "@taruvi/logging";
import { createTenantClientCache } from "@taruvi/tenancy";
import type { SubgraphDeps } from "./server";

/** What a subgraph needs from its process: one pool, shared by every client. */
export const createSubgraphDeps = ({
  pool,
  logger,
  internalContextSecret,
  tenantClientCacheSize = 32,
}: {
  pool: Pool;
  logger: Logger;
  internalContextSecret: string;
  tenantClientCacheSize?: number;
}): SubgraphDeps & { close: () => Promise<void> } => {
  const platform = createPlatformClient(pool);
  const tenants = createTenantClientCache({ pool, max: tenantClientCacheSize });
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
      await tenants.close();
      await platform.$disconnect();
    },
  };
};
