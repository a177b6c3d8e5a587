import {
  createPlatformClient,
  createPool,
  type PlatformClient,
  type Pool,
  resolveDatabase,
} from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import { createLogger, type Logger } from "@taruvi/logging";
import { defaultMigrationsDirs, loadMigrations, type MigrationSet, migrationStatus } from "@taruvi/tenancy";
import { env } from "./env";

export type CliContext = {
  pool: Pool;
  platform: PlatformClient;
  platformSet: MigrationSet;
  tenantSet: MigrationSet;
  log: Logger;
};

/**
 * Opens the database (DATABASE_URL, or the embedded one), runs `work`, and always closes
 * everything, including an embedded server this command started.
 */
export const withContext = async <T>(
  work: (ctx: CliContext) => Promise<T>,
  { poolSize = 4, requireMigrated = true } = {},
): Promise<T> => {
  const log = createLogger({ name: "taruvi-cli", level: env.LOG_LEVEL });
  const database = await resolveDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    onLog: (message) => log.debug({ postgres: message.trim() }, "embedded postgres"),
  });
  const pool = createPool({
    url: database.url,
    max: poolSize,
    applicationName: "taruvi-cli",
    onError: (error) => log.warn({ err: error }, "idle connection error"),
  });
  const platform = createPlatformClient(pool);
  const ctx: CliContext = {
    pool,
    platform,
    platformSet: loadMigrations(env.PLATFORM_MIGRATIONS_DIR ?? defaultMigrationsDirs.platform),
    tenantSet: loadMigrations(env.TENANT_MIGRATIONS_DIR ?? defaultMigrationsDirs.tenant),
    log,
  };
  try {
    if (requireMigrated) {
      const status = await migrationStatus(pool, { platform: ctx.platformSet, tenant: ctx.tenantSet });
      if (status.platform.pending.length > 0 || status.platform.refused) {
        throw new AppError(
          "BAD_USER_INPUT",
          "the platform schema is not migrated: run `taruvi migrate` first",
        );
      }
    }
    return await work(ctx);
  } finally {
    await platform.$disconnect();
    await pool.end();
    await database.stop();
  }
};
