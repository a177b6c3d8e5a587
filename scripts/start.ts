// `npm start`: the local development stack. Today: PostgreSQL (embedded when DATABASE_URL is
// unset), every schema migrated, then kept running until Ctrl-C. The gateway and subgraphs
// join this script when they exist.
import { int, loadEnv, optionalString, string } from "@taruvi/config";
import { createPool, resolveDatabase } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { defaultMigrationsDirs, loadMigrations, migratePlatform, migrateSites } from "@taruvi/tenancy";

const env = loadEnv({
  DATABASE_URL: optionalString(),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  LOG_LEVEL: string("info"),
  CI: optionalString(),
});
const log = createLogger({ name: "taruvi", level: env.LOG_LEVEL, pretty: !env.CI });

const database = await resolveDatabase({
  databaseUrl: env.DATABASE_URL,
  dataDir: env.DATA_DIR,
  embeddedPort: env.EMBEDDED_POSTGRES_PORT,
  onLog: (message) => log.debug({ postgres: message.trim() }, "embedded postgres"),
});
const pool = createPool({ url: database.url, max: 6 });
const platform = await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
const sites = await migrateSites(pool, { set: loadMigrations(defaultMigrationsDirs.tenant) });
await pool.end();
log.info(
  {
    platformApplied: platform.applied,
    sites: sites.total,
    migrated: sites.migrated.length,
    failed: sites.failed.length,
  },
  "schemas migrated",
);
log.info(
  `PostgreSQL ready at ${database.url.replace(/:[^:@/]*@/, ":***@")} (${database.embedded ? "embedded" : "DATABASE_URL"})`,
);
log.info("Manage it with `npm run taruvi -- --help`. Ctrl-C stops everything.");

const stop = async () => {
  log.info("stopping");
  await database.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
// Keep the process (and the embedded server it owns) alive until a signal.
setInterval(() => undefined, 1 << 30);
