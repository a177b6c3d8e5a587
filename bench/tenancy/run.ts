/**
 * Tenancy benchmark: `npm run bench:tenancy`. Creates a throw-away database next to
 * BENCH_DATABASE_URL, measures provisioning, migrations and per-process footprint against
 * references measured in the same run, writes bench/results/tenancy.json and prints a table.
 * Targets are reported as hit/MISS; a miss never fails the process.
 */
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { createPool } from "@taruvi/db";
import { defaultMigrationsDirs, loadMigrations, migratePlatform } from "@taruvi/migrator";
import { createBenchMigrationDir } from "./bench-migration";
import { connectAdmin, createBenchDatabase } from "./database";
import { createFleet } from "./fleet";
import { benchTouchSites } from "./memory";
import { benchAdditiveMigrate, benchNoopMigrate } from "./migrate";
import { benchProvisioning, benchProvisioningAtScale } from "./provisioning";
import { formatTable, type Results, writeJson } from "./report";
import { benchServiceClientsRss } from "./rss-services";
import { benchExtraServices } from "./services";
import { round, toMb } from "./stats";

const CONFIG = {
  poolSize: 8,
  provisionSamples: 200,
  naiveSamples: 50,
  warmup: 5,
  roundTrips: 1_000,
  provisionConcurrency: 4,
  noopSites: 1_000,
  noopRuns: 5,
  additiveSites: 1_000,
  migrateConcurrency: 4,
  touchSites: 2_000,
  touchConcurrency: 16,
  cacheMax: 32,
  provisionSamplesAtScale: 50,
  servicesSamples: 100,
  servicesSites: 1_000,
  servicesRuns: 5,
  serviceClientsRssRuns: 2,
} as const;

const TARGETS = {
  provisionP50Ms: 100,
  migrateNoopMs: 1_000,
  migrateAdditiveMs: 30_000,
  rssMb: 300,
} as const;

const RESULTS_FILE = fileURLToPath(new URL("../results/tenancy.json", import.meta.url));
/** `--only memory`: just step 4 over freshly provisioned sites; written here, not over tenancy.json. */
const MEMORY_RESULTS_FILE = fileURLToPath(new URL("../results/tenancy-memory.json", import.meta.url));

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
if (only !== undefined && only !== "memory") throw new Error(`--only ${only}: only "memory" is known`);

/** Clean-up actions, run last-registered first, once, whether the run ends, fails or is interrupted. */
const createCleanup = () => {
  const actions: { name: string; run: () => unknown }[] = [];
  let running: Promise<void> | null = null;
  return {
    defer: (name: string, run: () => unknown) => {
      actions.push({ name, run });
    },
    run: () => {
      running ??= (async () => {
        for (const action of actions.reverse()) {
          try {
            await action.run();
          } catch (error) {
            console.error(`clean-up "${action.name}" failed:`, error);
          }
        }
      })();
      return running;
    },
  };
};

const main = async (): Promise<void> => {
  if (CONFIG.poolSize < CONFIG.migrateConcurrency + 2) throw new Error("pool must exceed concurrency by 2");
  const startedAt = new Date();
  const cleanup = createCleanup();
  // `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal and relayed by the
  // tsx parent), and tsx exits at once when a signal finds no listener left.
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: dropping the bench database`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }

  const admin = await connectAdmin();
  cleanup.defer("close admin connection", () => admin.end());
  try {
    const db = await createBenchDatabase(admin);
    cleanup.defer(`drop database ${db.name}`, async () => {
      await db.drop();
      console.log(`dropped database ${db.name}`);
    });
    console.log(`created database ${db.name}`);

    const pool = createPool({
      url: db.url,
      max: CONFIG.poolSize,
      applicationName: "taruvi-bench",
      onError: (error) => console.error("pool error:", error.message),
    });
    cleanup.defer("end pool", () => pool.end());

    const touchSites = (siteIds: readonly string[]) =>
      benchTouchSites({
        pool,
        poolSize: CONFIG.poolSize,
        admin,
        database: db.name,
        siteIds,
        cacheMax: CONFIG.cacheMax,
        concurrency: CONFIG.touchConcurrency,
        targetRssMb: TARGETS.rssMb,
      });
    const writeResults = async (file: string, startedAt: Date, results: Results) => {
      const { rows } = await admin.query<{ server_version: string }>("SHOW server_version");
      const cpu = cpus();
      writeJson(file, {
        machine: {
          node: process.version,
          cpus: cpu.length,
          cpuModel: cpu[0]?.model.trim() ?? "unknown",
          memoryMb: round(toMb(totalmem()), 0),
          platform: `${process.platform}-${process.arch}`,
          pg: rows[0]?.server_version ?? "unknown",
        },
        date: startedAt.toISOString(),
        durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
        config: CONFIG,
        targets: TARGETS,
        results,
      });
      console.log(`\n${formatTable(results)}\n\nwrote ${file}`);
    };

    await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
    const set = loadMigrations(defaultMigrationsDirs.tenant);
    const fleet = await createFleet(pool);
    const results: Results = {};

    if (only === "memory") {
      console.log(`provisioning ${CONFIG.touchSites} sites`);
      await fleet.growTo(CONFIG.touchSites, { sets: [set], concurrency: CONFIG.provisionConcurrency });
      console.log(`4/4 (alone) one process touching ${CONFIG.touchSites} sites`);
      Object.assign(results, await touchSites(fleet.siteIds));
      await writeResults(MEMORY_RESULTS_FILE, startedAt, results);
      return;
    }

    console.log(`1/4 provisioning: ${CONFIG.provisionSamples} createSite vs ${CONFIG.naiveSamples} naive`);
    const provisioning = await benchProvisioning({
      url: db.url,
      fleet,
      set,
      samples: CONFIG.provisionSamples,
      naiveSamples: CONFIG.naiveSamples,
      warmup: CONFIG.warmup,
      roundTrips: CONFIG.roundTrips,
      targetP50Ms: TARGETS.provisionP50Ms,
    });
    Object.assign(results, provisioning);

    console.log(`2/4 no-op migrate over ${CONFIG.noopSites} sites`);
    await fleet.growTo(CONFIG.noopSites, { sets: [set], concurrency: CONFIG.provisionConcurrency });
    Object.assign(
      results,
      await benchNoopMigrate({
        pool,
        url: db.url,
        set,
        sites: CONFIG.noopSites,
        concurrency: CONFIG.migrateConcurrency,
        runs: CONFIG.noopRuns,
        targetMs: TARGETS.migrateNoopMs,
      }),
    );

    const benchMigrations = createBenchMigrationDir(defaultMigrationsDirs.tenant);
    cleanup.defer("remove temporary migrations", benchMigrations.remove);
    const nextSet = loadMigrations(benchMigrations.dir);
    console.log(`3/4 additive migration ${benchMigrations.name} over ${CONFIG.additiveSites} sites`);
    await fleet.growTo(CONFIG.additiveSites, { sets: [set], concurrency: CONFIG.provisionConcurrency });
    Object.assign(
      results,
      await benchAdditiveMigrate({
        pool,
        set: nextSet,
        sites: CONFIG.additiveSites,
        concurrency: CONFIG.migrateConcurrency,
        targetMs: TARGETS.migrateAdditiveMs,
      }),
    );

    console.log(`4/4 one process touching ${CONFIG.touchSites} sites`);
    await fleet.growTo(CONFIG.touchSites, { sets: [nextSet], concurrency: CONFIG.provisionConcurrency });
    Object.assign(results, await touchSites(fleet.siteIds));

    console.log(`+ createSite again with ${fleet.siteIds.length} sites present`);
    Object.assign(
      results,
      await benchProvisioningAtScale({
        fleet,
        set: nextSet,
        samples: CONFIG.provisionSamplesAtScale,
        baselineP50Ms: provisioning.provisionP50.value,
      }),
    );

    console.log(
      `+ two extra product services: createSite and no-op migrate of ${CONFIG.servicesSites} sites`,
    );
    Object.assign(
      results,
      await benchExtraServices({
        admin,
        poolSize: CONFIG.poolSize,
        samples: CONFIG.servicesSamples,
        warmup: CONFIG.warmup,
        sites: CONFIG.servicesSites,
        provisionConcurrency: CONFIG.provisionConcurrency,
        migrateConcurrency: CONFIG.migrateConcurrency,
        runs: CONFIG.servicesRuns,
        targetP50Ms: TARGETS.provisionP50Ms,
      }),
    );

    console.log(
      `+ RSS touching ${CONFIG.touchSites} sites with 0, 1 and 2 product services' clients, a process each`,
    );
    Object.assign(
      results,
      await benchServiceClientsRss({
        pool,
        url: db.url,
        coreDir: benchMigrations.dir,
        siteIds: fleet.siteIds.slice(0, CONFIG.touchSites),
        poolSize: CONFIG.poolSize,
        cacheMax: CONFIG.cacheMax,
        concurrency: CONFIG.touchConcurrency,
        migrateConcurrency: CONFIG.migrateConcurrency,
        runs: CONFIG.serviceClientsRssRuns,
      }),
    );

    await writeResults(RESULTS_FILE, startedAt, results);
  } finally {
    await cleanup.run();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
