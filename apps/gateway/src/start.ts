import { createRevocationList, loadKeyStore } from "@taruvi/auth";
import { connectRedis } from "@taruvi/redis";
import { openResources, type Running, type SharedResources } from "@taruvi/runtime";
import type { GatewayEnv } from "./env";
import { optionsFromEnv } from "./options";
import { buildGateway } from "./server";

/**
 * Starts the gateway: alone (`npm run start:gateway`, the image, the benchmark) on its own pool
 * and tenant-change bus, or in the stack on the shared ones. Its Redis, key store and revocation
 * list come from its environment; it listens on HOST:PORT; `close` drains and releases them.
 */
export const start = async (
  env: GatewayEnv,
  shared?: SharedResources,
): Promise<Running & { url: string }> => {
  const own = shared ? null : await openResources("gateway", env);
  const { pool, bus, logger: base } = shared ?? (own as SharedResources);
  const logger = shared ? base.child({ service: "gateway" }) : base;
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL, { name: "taruvi-gateway", logger }) : null;
  const keyStore = await loadKeyStore({
    signingKeys: env.SIGNING_KEYS,
    dataDir: env.DATA_DIR,
    production: env.NODE_ENV === "production",
  });
  const revocations = createRevocationList({ redisUrl: env.REDIS_URL, logger });
  await revocations.ready;
  const gateway = await buildGateway(
    optionsFromEnv(env, { pool, redis: redis?.client ?? null, bus, keyStore, revocations, logger }),
  );
  const url = await gateway.listen(env.PORT, env.HOST);
  logger.info({ url }, "gateway listening");
  return {
    url,
    logger,
    beginDrain: gateway.beginDrain,
    close: async () => {
      await gateway.close();
      await revocations.close();
      redis?.close();
      await own?.close();
    },
  };
};
