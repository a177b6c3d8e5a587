import { int, nodeEnv, optionalString, string } from "@taruvi/config";

export const DEV_INTERNAL_CONTEXT_SECRET =
  "taruvi-development-internal-context-secret-do-not-use-in-production";

/** The variables every subgraph reads (each app's env.ts spreads this shape). */
export const subgraphEnvShape = (defaultPort: number) => ({
  NODE_ENV: nodeEnv(),
  HOST: string("127.0.0.1"),
  PORT: int(defaultPort, { min: 0, max: 65535 }),
  DATABASE_URL: optionalString(),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  DB_POOL_SIZE: int(10, { min: 1, max: 200 }),
  TENANT_CLIENT_CACHE_SIZE: int(32, { min: 1, max: 10_000 }),
  INTERNAL_CONTEXT_SECRET: string(DEV_INTERNAL_CONTEXT_SECRET),
  LOG_LEVEL: string("info"),
});

/** Production refuses development secrets at start-up. */
export const assertProductionSecrets = (env: { NODE_ENV: string; INTERNAL_CONTEXT_SECRET: string }) => {
  if (env.NODE_ENV === "production" && env.INTERNAL_CONTEXT_SECRET === DEV_INTERNAL_CONTEXT_SECRET) {
    process.stderr.write("Invalid environment:\n  - INTERNAL_CONTEXT_SECRET: must be set in production\n");
    process.exit(1);
  }
};
