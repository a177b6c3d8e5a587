/**
 * Our gateway alone in its process, as apps/gateway/src/index.ts starts it: configured only by
 * its environment (loadGatewayEnv), with its own pool, key store and tenant change bus. Listens
 * on HOST:PORT (PORT=0: a free port) and sends `{ type: "ready", url }` over IPC. SIGTERM or
 * SIGINT drains and exits. The bench's --profile pass records a CPU profile over IPC (profiler.ts).
 */
import { createRevocationList, loadKeyStore } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { buildGateway, loadGatewayEnv, optionsFromEnv } from "@taruvi/gateway";
import { createLogger } from "@taruvi/logging";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { Redis } from "ioredis";
import { acceptProfilingRequests } from "./profiler";

const env = loadGatewayEnv(process.env);
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
const logger = createLogger({ name: "gateway", level: env.LOG_LEVEL });
const pool = createPool({ url: env.DATABASE_URL, max: env.DB_POOL_SIZE, applicationName: "gateway" });
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
const url = await gateway.listen(env.PORT, env.HOST);
logger.info({ url }, "gateway listening");
process.send?.({ type: "ready", url });

acceptProfilingRequests();

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await gateway.close().catch(() => undefined);
  await bus.close().catch(() => undefined);
  await revocations.close().catch(() => undefined);
  redis?.disconnect();
  await pool.end().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
