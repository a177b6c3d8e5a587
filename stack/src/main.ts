// `npm start`: PostgreSQL (embedded unless DATABASE_URL), migrations, the demo seed, then the
// four subgraphs, the gateway and the job worker in this process. Ctrl-C stops everything.
import { bool, int, loadEnv, optionalString, string } from "@taruvi/config";
import { createPlatformClient, createPool, resolveDatabase } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import {
  defaultMigrationsDirs,
  installJobQueue,
  loadMigrations,
  loadTenantSets,
  migratePlatform,
  migrateSites,
} from "@taruvi/migrator";
import { buildConsoleIfMissing } from "./console";
import { DEMO, seedDemo } from "./seed";
import { startStack } from "./start-stack";

// The stack's own variables; every other one (limits, secrets, SMTP_URL, …) passes through to the
// apps, which read it with their own defaults (apps/*/src/env.ts).
const env = loadEnv({
  DATABASE_URL: optionalString(),
  /** The owner role: migrations and the seed here, provisioning and purge in the apps (else DATABASE_URL). */
  MIGRATION_DATABASE_URL: optionalString(),
  REDIS_URL: optionalString(),
  SMTP_URL: optionalString(),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  LOG_LEVEL: string("info"),
  /** Custom domains need a TXT record to route; off here by default so the demo works at once. */
  DOMAIN_VERIFICATION: bool(false),
  /** Days domains from before verification keep routing while PENDING (set when that migration runs). */
  DOMAIN_GRACE_DAYS: int(14, { min: 0, max: 365 }),
});
const logger = createLogger({ name: "taruvi", level: env.LOG_LEVEL, pretty: true });

const database = await resolveDatabase({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.DATA_DIR,
  embeddedPort: env.EMBEDDED_POSTGRES_PORT,
  onLog: (message) => logger.debug({ postgres: message.trim() }, "embedded postgres"),
});
// The embedded server has one role: MIGRATION_DATABASE_URL applies only beside DATABASE_URL.
const ownerUrl = env.DATABASE_URL ? (env.MIGRATION_DATABASE_URL ?? database.url) : database.url;
const setupPool = createPool({ url: ownerUrl, max: 4 });
const tenantSets = loadTenantSets();
await migratePlatform(setupPool, loadMigrations(defaultMigrationsDirs.platform), {
  domainGraceDays: env.DOMAIN_GRACE_DAYS,
});
await installJobQueue(setupPool);
const report = await migrateSites(setupPool, { sets: tenantSets });
const platform = createPlatformClient(setupPool);
await seedDemo({ pool: setupPool, platform, sets: tenantSets });
await platform.$disconnect();
await setupPool.end();
logger.info(
  { sites: report.total, migrated: report.migrated.length, failed: report.failed.length },
  "schemas migrated",
);

// The console is a static build the gateway serves; a fresh checkout builds it once here.
const consoleBuilt = buildConsoleIfMissing(process.env.CONSOLE_DIR, logger);
const stack = await startStack({
  env: {
    ...process.env,
    DATABASE_URL: database.url,
    MIGRATION_DATABASE_URL: ownerUrl === database.url ? undefined : ownerUrl,
    DATA_DIR: env.DATA_DIR,
    DOMAIN_VERIFICATION: String(env.DOMAIN_VERIFICATION),
  },
  logger,
});

const gatewayUrl = `http://localhost:${new URL(stack.gatewayUrl).port}/graphql`;
const consoleUrl = consoleBuilt
  ? `http://localhost:${new URL(stack.gatewayUrl).port}/console`
  : "not built (npm run build -w @taruvi/console)";
process.stdout.write(`
  Taruvi is running.

  GraphQL + Apollo Sandbox: ${gatewayUrl}
  Console:                  ${consoleUrl}
  Site "${DEMO.site}":              header X-Tenant: ${DEMO.site}, or http://${DEMO.site}.localhost:${new URL(stack.gatewayUrl).port}/graphql
  Platform owner:           ${DEMO.ownerEmail} / ${DEMO.password}
  Site admin:               ${DEMO.siteAdminEmail} / ${DEMO.password}
  Metrics (Prometheus):     ${stack.metricsUrl ?? "off (METRICS_PORT=off)"}
  PostgreSQL:               ${database.embedded ? "embedded, data in .data/postgres" : "DATABASE_URL"}
  Redis:                    ${env.REDIS_URL ? "REDIS_URL" : "none (in-memory stores, one process)"}
  Email:                    ${env.SMTP_URL ? "SMTP_URL" : `.eml files in ${stack.mailDir}`}

  Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  logger.info("stopping");
  await stack.close();
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
