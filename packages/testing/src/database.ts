import { randomBytes } from "node:crypto";
import { createPlatformClient, createPool, type PlatformClient, type Pool } from "@taruvi/db";
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

export const databaseUrl = (database: string): string => {
  const url = new URL(adminUrl());
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

const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * A fresh database cloned from the migrated template (`empty`: with no schema at all, for tests
 * of the migrations themselves); `drop` removes it.
 */
export const createTestDatabase = async ({ poolSize = 8, empty = false } = {}): Promise<TestDatabase> => {
  const run = inject("taruviTestRun");
  const name = `${runPrefix(run)}_${randomBytes(5).toString("hex")}`;
  await admin((client) =>
    client.query(`CREATE DATABASE ${name}${empty ? "" : ` TEMPLATE ${templateDatabase(run)}`}`),
  );
  const url = databaseUrl(name);
  const pool = createPool({ url, max: poolSize, applicationName: "taruvi-test" });
  const platform = createPlatformClient(pool);
  return {
    name,
    url,
    pool,
    platform,
    drop: async () => {
      await platform.$disconnect();
      await pool.end();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
};
