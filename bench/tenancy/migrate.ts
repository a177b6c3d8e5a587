import type { Pool } from "@taruvi/db";
import { type MigrationSet, migrateSites } from "@taruvi/migrator";
import pg from "pg";
import { BENCH_COLUMN } from "./bench-migration";
import { scanLedgersNaive } from "./naive";
import { measurement, type Results } from "./report";
import { median, round, summarize, timed } from "./stats";

export type NoopMigrateOptions = {
  pool: Pool;
  url: string;
  set: MigrationSet;
  sites: number;
  concurrency: number;
  /** Runs of each kind, alternating; the median is reported. */
  runs: number;
  targetMs: number;
};

/** Step 2: migrateSites when every site is at head vs opening every schema's ledger. */
export const benchNoopMigrate = async ({
  pool,
  url,
  set,
  sites,
  concurrency,
  runs,
  targetMs,
}: NoopMigrateOptions): Promise<Results> => {
  const ours: number[] = [];
  const naive: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const { result: report, ms } = await timed(() => migrateSites(pool, { sets: [set], concurrency }));
    const clean =
      report.failed.length === 0 && report.migrated.length === 0 && report.provisioned.length === 0;
    if (!clean || report.total !== sites || report.upToDate !== sites) {
      throw new Error(`no-op migrateSites did work: ${JSON.stringify({ ...report, migrated: undefined })}`);
    }
    ours.push(ms);

    // A migrate command is a fresh process: a new connection, whose per-backend relation cache
    // is cold for every ledger it opens. Connecting is not timed.
    const client = new pg.Client({ connectionString: url, application_name: "taruvi-bench-naive" });
    await client.connect();
    try {
      const { result: behind, ms: naiveMs } = await timed(() => scanLedgersNaive(client, set));
      if (behind !== 0) throw new Error(`naive ledger scan found ${behind} schemas behind`);
      naive.push(naiveMs);
    } finally {
      await client.end();
    }
  }
  return {
    migrateNoop: measurement({
      label: `migrateSites no-op (${sites} sites, median of ${runs})`,
      value: median(ours),
      unit: "ms",
      reference: { label: "one SELECT per schema ledger", value: median(naive) },
      target: targetMs,
      details: { ours: summarize(ours), naive: summarize(naive), firstRunMs: round(ours[0] ?? 0) },
    }),
  };
};

export type AdditiveMigrateOptions = {
  pool: Pool;
  /** The site migrations plus the bench's additive one. */
  set: MigrationSet;
  sites: number;
  concurrency: number;
  targetMs: number;
};

/** Step 3: one new additive migration applied to every site. */
export const benchAdditiveMigrate = async ({
  pool,
  set,
  sites,
  concurrency,
  targetMs,
}: AdditiveMigrateOptions): Promise<Results> => {
  const { result: report, ms } = await timed(() => migrateSites(pool, { sets: [set], concurrency }));
  if (report.failed.length > 0) {
    const first = report.failed[0];
    throw new Error(
      `${report.failed.length} sites failed to migrate; first: ${first?.slug}: ${first?.error}`,
    );
  }
  if (report.migrated.length !== sites || report.total !== sites) {
    throw new Error(`expected ${sites} sites migrated, got ${report.migrated.length} of ${report.total}`);
  }
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
     WHERE table_schema LIKE 'site\\_%' AND table_name = 'users' AND column_name = $1`,
    [BENCH_COLUMN],
  );
  const withColumn = rows[0]?.n ?? 0;
  if (withColumn !== sites) throw new Error(`${withColumn} of ${sites} sites have users.${BENCH_COLUMN}`);

  return {
    migrateAdditive: measurement({
      label: `migrateSites +1 additive migration (${sites} sites, concurrency ${concurrency})`,
      value: ms,
      unit: "ms",
      target: targetMs,
      details: {
        migrated: report.migrated.length,
        failed: report.failed.length,
        perSiteMs: round(ms / sites, 3),
        sitesPerSecond: round(sites / (ms / 1000), 1),
        head: report.head,
      },
    }),
  };
};
