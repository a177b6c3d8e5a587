import { randomBytes } from "node:crypto";
import { createPool } from "@taruvi/db";
import { defaultMigrationsDirs, installJobQueue, loadMigrations, migratePlatform } from "@taruvi/migrator";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { adminUrl, databaseUrl, runPrefix, templateDatabase } from "./database";

/**
 * Vitest global setup: build this run's template database (platform schema migrated, the job
 * queue's schema installed, as `taruvi migrate` leaves a database) that
 * every test file clones, and drop all of this run's databases at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = randomBytes(4).toString("hex");
  project.provide("taruviTestRun", run);
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDatabase(run)}`);
  const pool = createPool({ url: databaseUrl(templateDatabase(run)), max: 1 });
  await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
  await installJobQueue(pool);
  await pool.end();

  return async () => {
    // The template, and the databases of test files that crashed before their own clean-up.
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
      [`${runPrefix(run)}_`],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    // Roles of tests that crashed before dropping them (createTestRoles); their databases are gone.
    const roles = await admin.query<{ rolname: string }>(
      "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
      [`${runPrefix(run)}_`],
    );
    for (const { rolname } of roles.rows) {
      await admin.query(`DROP ROLE IF EXISTS "${rolname}"`).catch(() => undefined);
    }
    await admin.end();
  };
}
