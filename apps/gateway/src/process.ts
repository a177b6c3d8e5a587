import { createRevocationList, loadKeyStore } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import type { Logger } from "@taruvi/logging";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { Redis } from "ioredis";
import type { GatewayEnv } from "./env";
import { optionsFromEnv } from "./options";
import { buildGateway } from "./server";

/**
 * The gateway as a process of its own (`npm run start:gateway`, the image, the benchmark): its
 * pool, Redis, tenant-change bus, key store and revocation list from its environment, listening
 * on HOST:PORT. `close` drains and releases all of them.
 */
export const startGatewayProcess = async (
  env: GatewayEnv,
  { databaseUrl, logger }: { databaseUrl: string; logger: Logger },
): Promise<{ url: string; close: () => Promise<void> }> => {
  const pool = createPool({ url: databaseUrl, max: env.DB_POOL_SIZE, applicationName: "gateway" });
  const redis = env.REDIS_URL ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 }) : null;
  const bus = createTenantChangeBus({ redisUrl: env.REDIS_URL });
  const keyStore = await loadKeyStore({
    signingKeys: env.SIGNING_KEYS,
    dataDir: env.DATA_DIR,
    production: env.NODE_ENV === "production",
  });
  const revocations = createRevocationList({ redisUrl: env.REDIS_URL });
  await revocations.ready;
  const gateway = await buildGateway(
    optionsFromEnv(env, { pool, redis, bus, keyStore, revocations, logger }),
  );
  const url = await gateway.listen(env.PORT, env.HOST);
  return {
    url,
    close: async () => {
      await gateway.close();
      await bus.close();
      await revocations.close();
      redis?.disconnect();
      await pool.end();
    },
  };
};
