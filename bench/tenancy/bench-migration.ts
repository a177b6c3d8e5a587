import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BENCH_COLUMN = "bench_note";

export type BenchMigrationDir = { dir: string; name: string; remove: () => void };

const TIMESTAMPED = /^(\d{14})_/;

const timestampNow = (): string => new Date().toISOString().replace(/\D/g, "").slice(0, 14);

/**
 * A copy of the site migrations in a temporary directory plus one additive migration whose
 * timestamp sorts after every existing one (the current time, or the newest one plus one).
 */
export const createBenchMigrationDir = (tenantDir: string): BenchMigrationDir => {
  const newest =
    readdirSync(tenantDir)
      .map((entry) => TIMESTAMPED.exec(entry)?.[1])
      .filter((timestamp): timestamp is string => timestamp !== undefined)
      .sort()
      .at(-1) ?? "00000000000000";
  const now = timestampNow();
  const timestamp = now > newest ? now : (BigInt(newest) + 1n).toString().padStart(14, "0");
  const name = `${timestamp}_bench_add_column`;

  const dir = mkdtempSync(join(tmpdir(), "taruvi-bench-migrations-"));
  cpSync(tenantDir, dir, { recursive: true });
  mkdirSync(join(dir, name));
  writeFileSync(
    join(dir, name, "migration.sql"),
    `-- Benchmark only: one additive change.\nALTER TABLE "users" ADD COLUMN "${BENCH_COLUMN}" TEXT;\n`,
  );
  return { dir, name, remove: () => rmSync(dir, { recursive: true, force: true }) };
};
