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
import { writeFixtureMigrations } from "./fixture-services";
import { createFleet } from "./fleet";
import { measurement, type Results } from "./report";
import { median, percentile, summarize, timed } from "./stats";

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
  const fixtures = writeFixtureMigrations();
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
    fixtures.remove();
  }
};
