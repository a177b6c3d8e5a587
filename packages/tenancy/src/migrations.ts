import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type Migration = { name: string; sql: string; checksum: string };

export type MigrationSet = {
  dir: string;
  migrations: Migration[];
  /** Name of the newest migration, or null when there are none. */
  head: string | null;
};

const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export const defaultMigrationsDirs = {
  platform: join(repoRoot, "prisma", "platform", "migrations"),
  tenant: join(repoRoot, "prisma", "tenant", "migrations"),
} as const;

const FOLDER = /^\d{14}_[a-z0-9_]+$/;

/**
 * Reads Prisma's folder format: `<dir>/<yyyymmddhhmmss>_<name>/migration.sql`, in name order.
 * The checksum is the SHA-256 of the file, so any edit after it was applied is detected.
 */
export const loadMigrations = (dir: string): MigrationSet => {
  const migrations = readdirSync(dir)
    .filter((entry) => statSync(join(dir, entry)).isDirectory())
    .sort()
    .map((name) => {
      if (!FOLDER.test(name)) {
        throw new Error(`migration folder ${name} in ${dir} is not named <yyyymmddhhmmss>_<snake_name>`);
      }
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
  return { dir, migrations, head: migrations.at(-1)?.name ?? null };
};
