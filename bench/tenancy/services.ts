import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool } from "@taruvi/db";
import {
  defaultMigrationsDirs,
  loadMigrations,
  loadTenantSets,
  type MigrationSet,
  migratePlatform,
  migrateSites,
} from "@taruvi/migrator";
import type pg from "pg";
import { createBenchDatabase } from "./database";
import { createFleet } from "./fleet";
import { measurement, type Results } from "./report";
import { median, percentile, summarize, timed } from "./stats";

/** Two product services of a couple of tables each, as `taruvi new service` would add them. */
const FIXTURES: Record<string, string> = {
  benchprojects: `CREATE TABLE "projects" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL,
  "created_by" uuid, "created_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX "projects_created_at_id_idx" ON "projects" ("created_at", "id");
CREATE TABLE "project_members" ("project_id" uuid NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
  "user_id" uuid NOT NULL, PRIMARY KEY ("project_id", "user_id"));`,
  benchinvoices: `CREATE TABLE "invoices" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL,
  "amount_cents" bigint NOT NULL DEFAULT 0, "created_by" uuid,
  "created_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX "invoices_created_at_id_idx" ON "invoices" ("created_at", "id");
CREATE TABLE "invoice_lines" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "invoice_id" uuid NOT NULL REFERENCES "invoices" ("id") ON DELETE CASCADE, "label" text NOT NULL);`,
};

const fixtureSets = (): { root: string; dirs: { service: string; dir: string }[] } => {
  const root = mkdtempSync(join(tmpdir(), "taruvi-bench-services-"));
  const dirs = Object.entries(FIXTURES).map(([service, sql]) => {
    const dir = join(root, service, "prisma", "migrations");
    mkdirSync(join(dir, "20990101000000_init"), { recursive: true });
    writeFileSync(join(dir, "20990101000000_init", "migration.sql"), sql);
    return { service, dir };
  });
  return { root, dirs };
};

export type ExtraServicesOptions = {
  admin: pg.Client;
  poolSize: number;
  /** createSite samples of each kind, interleaved. */
  samples: number;
  warmup: number;
  sites: number;
  provisionConcurrency: number;
  migrateConcurrency: number;
  runs: number;
  targetP50Ms: number;
};

/**
 * Provisioning p50 and no-op migrate of `sites` sites with the core alone vs the core plus two
 * product services, in one database of its own, alternating the two kinds so drift hits both.
 */
export const benchExtraServices = async (options: ExtraServicesOptions): Promise<Results> => {
  const fixtures = fixtureSets();
  const db = await createBenchDatabase(options.admin);
  const pool = createPool({ url: db.url, max: options.poolSize, applicationName: "taruvi-bench-services" });
  try {
    await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
    const core: MigrationSet[] = [loadMigrations(defaultMigrationsDirs.tenant)];
    const withServices = loadTenantSets([
      { service: "core", dir: defaultMigrationsDirs.tenant },
      ...fixtures.dirs,
    ]);
    const fleet = await createFleet(pool);

    for (let i = 0; i < options.warmup; i += 1) {
      await fleet.addOne(core);
      await fleet.addOne(withServices);
    }
    const coreMs: number[] = [];
    const servicesMs: number[] = [];
    for (let i = 0; i < options.samples; i += 1) {
      coreMs.push(await fleet.addOne(core));
      servicesMs.push(await fleet.addOne(withServices));
    }

    // Every site at the head of every set, so both kinds of run below are no-ops.
    await migrateSites(pool, { sets: withServices, concurrency: options.migrateConcurrency });
    await fleet.growTo(options.sites, { sets: withServices, concurrency: options.provisionConcurrency });
    const noop = async (sets: MigrationSet[]) => {
      const { result: report, ms } = await timed(() =>
        migrateSites(pool, { sets, concurrency: options.migrateConcurrency }),
      );
      if (report.upToDate !== options.sites || report.total !== options.sites) {
        throw new Error(`no-op migrateSites did work: ${JSON.stringify({ ...report, migrated: undefined })}`);
      }
      return ms;
    };
    const coreNoop: number[] = [];
    const servicesNoop: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      coreNoop.push(await noop(core));
      servicesNoop.push(await noop(withServices));
    }

    return {
      provisionP50Services: measurement({
        label: `createSite p50, core + 2 services (${options.samples} samples)`,
        value: percentile(servicesMs, 50),
        unit: "ms",
        reference: { label: "core only", value: percentile(coreMs, 50) },
        target: options.targetP50Ms,
        details: { services: summarize(servicesMs), coreOnly: summarize(coreMs) },
      }),
      migrateNoopServices: measurement({
        label: `migrateSites no-op, core + 2 services (${options.sites} sites, median of ${options.runs})`,
        value: median(servicesNoop),
        unit: "ms",
        reference: { label: "core only", value: median(coreNoop) },
        details: { services: summarize(servicesNoop), coreOnly: summarize(coreNoop) },
      }),
    };
  } finally {
    await pool.end();
    await db.drop();
    rmSync(fixtures.root, { recursive: true, force: true });
  }
};
