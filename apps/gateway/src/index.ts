import { resolveDatabase } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { loadGatewayEnv } from "./env";
import { startGatewayProcess } from "./process";

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
const gateway = await startGatewayProcess(env, { databaseUrl: database.url, logger });
logger.info({ url: gateway.url }, "gateway listening");

const shutdown = async (signal: string) => {
  logger.info({ signal }, "shutting down");
  await gateway.close();
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));
