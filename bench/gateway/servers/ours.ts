/**
 * Our gateway alone in its process, as apps/gateway/src/index.ts starts it: configured only by
 * its environment (loadGatewayEnv), with its own pool, key store and tenant change bus. Listens
 * on HOST:PORT (PORT=0: a free port) and sends `{ type: "ready", url }` over IPC. SIGTERM or
 * SIGINT drains and exits. The bench's --profile pass records a CPU profile over IPC (profiler.ts).
 */
import { loadGatewayEnv, startGatewayProcess } from "@taruvi/gateway";
import { createLogger } from "@taruvi/logging";
import { acceptProfilingRequests } from "./profiler";

const env = loadGatewayEnv(process.env);
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
const logger = createLogger({ name: "gateway", level: env.LOG_LEVEL });
const gateway = await startGatewayProcess(env, { databaseUrl: env.DATABASE_URL, logger });
const url = gateway.url;
logger.info({ url }, "gateway listening");
process.send?.({ type: "ready", url });

acceptProfilingRequests();

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await gateway.close().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
