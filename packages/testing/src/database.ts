import { randomBytes } from "node:crypto";
import { createPlatformClient, createPool, type PlatformClient, type Pool } from "@taruvi/db";
import pg from "pg";

/**
 * Integration tests run against the real PostgreSQL of TEST_DATABASE_URL (any database on the
 * server; default: the local one). The global setup builds a template database with the
 * platform schema migrated; each test file clones it, so files run in parallel without
 * seeing each other's sites.
 */
export const adminUrl = (): string =>
  process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export const TEMPLATE_DATABASE = "taruvi_test_template";

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

/** A fresh database cloned from the migrated template; `drop` removes it. */
export const createTestDatabase = async ({ poolSize = 8 } = {}): Promise<TestDatabase> => {
  const name = `taruvi_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
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
