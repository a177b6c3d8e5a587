import { createRevocationList, loadKeyStore } from "@taruvi/auth";
import { createPool, resolveDatabase } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { Redis } from "ioredis";
import { loadGatewayEnv } from "./env";
import { optionsFromEnv } from "./options";
import { buildGateway } from "./server";

// `npm run start:gateway`: the gateway alone, production style.
const env = loadGatewayEnv();
const logger = createLogger({
  name: "gateway",
  level: env.LOG_LEVEL,
  pretty: env.NODE_ENV === "development",
});
const database = await resolveDatabase({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.DATA_DIR,
  embeddedPort: env.EMBEDDED_POSTGRES_PORT,
});
const pool = createPool({ url: database.url, max: env.DB_POOL_SIZE, applicationName: "gateway" });
const redis = env.REDIS_URL ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2 }) : null;
const bus = createTenantChangeBus({ redisUrl: env.REDIS_URL });
const keyStore = await loadKeyStore({
  signingKeys: env.SIGNING_KEYS,
  dataDir: env.DATA_DIR,
  production: env.NODE_ENV === "production",
});
const revocations = createRevocationList({ redisUrl: env.REDIS_URL });
await revocations.ready;
const gateway = await buildGateway(optionsFromEnv(env, { pool, redis, bus, keyStore, revocations, logger }));
logger.info({ url: await gateway.listen(env.PORT, env.HOST) }, "gateway listening");

const shutdown = async (signal: string) => {
  logger.info({ signal }, "shutting down");
  await gateway.close();
  await bus.close();
  await revocations.close();
  redis?.disconnect();
  await pool.end();
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
