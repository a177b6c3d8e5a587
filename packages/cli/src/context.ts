import { readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import {
  createPlatformClient,
  createPool,
  type PlatformClient,
  type Pool,
  resolveDatabase,
} from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import { createLogger, type Logger } from "@taruvi/logging";
import {
  CORE_SERVICE,
  defaultMigrationsDirs,
  loadMigrations,
  loadTenantSets,
  type MigrationSet,
  migrationStatus,
} from "@taruvi/migrator";
import { parseRegistry, ROOT, SERVICES, type ServiceEntry, tenantMigrationDirs } from "@taruvi/registry";
import { env } from "./env";

export type CliContext = {
  pool: Pool;
  platform: PlatformClient;
  platformSet: MigrationSet;
  /** Every registered service's site migrations, the core's first (read when first used). */
  tenantSets: MigrationSet[];
  log: Logger;
};

/** Where the registry lives: SERVICES_ROOT (tests, a release laid out elsewhere) or the repository. */
export const registryRoot = (): string => (env.SERVICES_ROOT ? resolve(env.SERVICES_ROOT) + sep : ROOT);

export const registryPath = (): string => join(registryRoot(), "services", "registry.json");

/** The registered services (services/registry.json under registryRoot()). */
export const loadServices = (): readonly ServiceEntry[] =>
  env.SERVICES_ROOT
    ? parseRegistry(JSON.parse(readFileSync(registryPath(), "utf8")), registryRoot())
    : SERVICES;

/** The tenant sets of the registered services; TENANT_MIGRATIONS_DIR overrides the core's folder. */
export const loadCliTenantSets = (): MigrationSet[] =>
  loadTenantSets(
    tenantMigrationDirs(loadServices()).map((entry) =>
      entry.service === CORE_SERVICE && env.TENANT_MIGRATIONS_DIR
        ? { service: entry.service, dir: resolve(env.TENANT_MIGRATIONS_DIR) }
        : entry,
    ),
    registryRoot(),
  );

/** Which connection a command uses: the owner's (every command) or an administrator's (`db roles`). */
export type Connection = "owner" | "admin";

/**
 * Opens the database (MIGRATION_DATABASE_URL, else DATABASE_URL, else the embedded one; for
 * `admin`: DATABASE_ADMIN_URL, else DATABASE_URL, …), runs `work`, and always closes everything,
 * including an embedded server this command started.
 */
export const withContext = async <T>(
  work: (ctx: CliContext) => Promise<T>,
  {
    poolSize = 4,
    requireMigrated = true,
    connection = "owner" as Connection,
  }: { poolSize?: number; requireMigrated?: boolean; connection?: Connection } = {},
): Promise<T> => {
  const log = createLogger({ name: "taruvi-cli", level: env.LOG_LEVEL });
  const database = await resolveDatabase({
    databaseUrl:
      (connection === "admin" ? env.DATABASE_ADMIN_URL : env.MIGRATION_DATABASE_URL) ?? env.DATABASE_URL,
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
  let tenantSets: MigrationSet[] | undefined;
  const ctx: CliContext = {
    pool,
    platform,
    platformSet: loadMigrations(env.PLATFORM_MIGRATIONS_DIR ?? defaultMigrationsDirs.platform),
    get tenantSets() {
      tenantSets ??= loadCliTenantSets();
      return tenantSets;
    },
    log,
  };
  try {
    if (requireMigrated) {
      // Only the platform schema matters here: no site set is read.
      const status = await migrationStatus(pool, { platform: ctx.platformSet, tenant: [] });
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
