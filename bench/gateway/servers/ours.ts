/**
 * Our gateway alone in its process, as apps/gateway/src/index.ts starts it: configured only by
 * its environment (loadGatewayEnv), with its own pool, key store and tenant change bus. Listens
 * on HOST:PORT (PORT=0: a free port) and sends `{ type: "ready", url }` over IPC. SIGTERM or
 * SIGINT drains and exits. The bench's --profile pass records a CPU profile over IPC (profiler.ts).
 */
import { loadGatewayEnv, start } from "@taruvi/gateway";
import { acceptProfilingRequests } from "./profiler";

const env = loadGatewayEnv(process.env);
if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
const gateway = await start(env);
const url = gateway.url;
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
