import { createPool, type Pool, resolveDatabase } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { createSubgraphDeps } from "./deps";
import { assertProductionSecrets } from "./env";
import type { Subgraph, SubgraphDeps } from "./server";

type SubgraphEnv = {
  NODE_ENV: string;
  HOST: string;
  PORT: number;
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  EMBEDDED_POSTGRES_PORT: number;
  DB_POOL_SIZE: number;
  TENANT_CLIENT_CACHE_SIZE: number;
  INTERNAL_CONTEXT_SECRET: string;
  LOG_LEVEL: string;
};

/** `npm run start:<app>`: one subgraph alone, production style; SIGINT/SIGTERM drain and exit. */
export const bootSubgraph = async ({
  name,
  env,
  build,
}: {
  name: string;
  env: SubgraphEnv;
  /** Builds the subgraph; may return extra clean-up for what it started (queues, Redis). */
  build: (
    deps: SubgraphDeps,
    /** The database URL, and the process's one pool (the same one `deps` uses). */
    database: { url: string; pool: Pool },
  ) => Promise<Subgraph | { subgraph: Subgraph; close: () => Promise<void> }>;
}): Promise<void> => {
  assertProductionSecrets(env);
  const logger = createLogger({ name, level: env.LOG_LEVEL, pretty: env.NODE_ENV === "development" });
  if (env.NODE_ENV === "production" && !env.DATABASE_URL) {
    logger.fatal("DATABASE_URL is required in production");
    process.exit(1);
  }
  const database = await resolveDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    embeddedPort: env.EMBEDDED_POSTGRES_PORT,
  });
  const pool = createPool({
    url: database.url,
    max: env.DB_POOL_SIZE,
    applicationName: name,
    onError: (error) => logger.warn({ err: error }, "idle connection error"),
  });
  const deps = createSubgraphDeps({
    pool,
    logger,
    internalContextSecret: env.INTERNAL_CONTEXT_SECRET,
    tenantClientCacheSize: env.TENANT_CLIENT_CACHE_SIZE,
  });
  const built = await build(deps, { url: database.url, pool });
  const subgraph = "subgraph" in built ? built.subgraph : built;
  const closeExtra = "subgraph" in built ? built.close : async () => undefined;
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, `${name} subgraph listening`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await subgraph.close();
    await closeExtra();
    await deps.close();
    await pool.end();
    await database.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
};
