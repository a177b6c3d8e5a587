import { createPool } from "@taruvi/db";
import { defaultMigrationsDirs, loadMigrations, migratePlatform } from "@taruvi/tenancy";
import pg from "pg";
import { adminUrl, databaseUrl, TEMPLATE_DATABASE } from "./database";

/** Vitest global setup: (re)build the template database every test file clones. */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  const pool = createPool({ url: databaseUrl(TEMPLATE_DATABASE), max: 1 });
  await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
  await pool.end();

  return async () => {
    // Databases of test files that crashed before their own clean-up.
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'taruvi\\_test\\_%'",
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.end();
  };
}
