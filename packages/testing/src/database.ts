import { randomBytes } from "node:crypto";
import { createPlatformClient, createPool, type PlatformClient, type Pool } from "@taruvi/db";
import { defaultMigrationsDirs, installJobQueue, loadMigrations, migratePlatform } from "@taruvi/migrator";
import pg from "pg";
import { inject } from "vitest";

/**
 * Integration tests run against the real PostgreSQL of TEST_DATABASE_URL (any database on the
 * server; default: the local one). The global setup builds a template database with the
 * platform schema migrated; each test file clones it, so files run in parallel without
 * seeing each other's sites.
 */
export const adminUrl = (): string =>
  process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** Names of one test run's databases: `taruvi_test_<run>_…`, so concurrent runs never meet. */
export const runPrefix = (run: string): string => `taruvi_test_${run}`;
export const templateDatabase = (run: string): string => `${runPrefix(run)}_template`;

declare module "vitest" {
  export interface ProvidedContext {
    taruviTestRun: string;
  }
}

/** `database` on the test server (or on `server`, given by its admin URL). */
export const databaseUrl = (database: string, server = adminUrl()): string => {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
};

export type TestDatabase = {
  name: string;
  url: string;
  pool: Pool;
  platform: PlatformClient;
  drop: () => Promise<void>;
};

const admin = async <T>(server: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

export type TestDatabaseOptions = {
  poolSize?: number;
  /** With no schema at all, for tests of the migrations themselves. */
  empty?: boolean;
  /**
   * Another server's admin URL (a fault test's own PostgreSQL, `startOwnPostgres`): the database
   * is made there and the platform migrated (and the job queue installed) into it, as there is no
   * template on that server.
   */
  server?: string;
};

/** A fresh database cloned from the migrated template; `drop` removes it. */
export const createTestDatabase = async ({
  poolSize = 8,
  empty = false,
  server,
}: TestDatabaseOptions = {}): Promise<TestDatabase> => {
  const run = inject("taruviTestRun");
  const name = `${runPrefix(run)}_${randomBytes(5).toString("hex")}`;
  const template = empty || server ? "" : ` TEMPLATE ${templateDatabase(run)}`;
  await admin(server ?? adminUrl(), (client) => client.query(`CREATE DATABASE ${name}${template}`));
  const url = databaseUrl(name, server);
  const pool = createPool({ url, max: poolSize, applicationName: "taruvi-test" });
  if (server && !empty) {
    await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
    await installJobQueue(pool);
  }
  const platform = createPlatformClient(pool);
  return {
    name,
    url,
    pool,
    platform,
    drop: async () => {
      await platform.$disconnect();
      await pool.end();
      await admin(server ?? adminUrl(), (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
};
