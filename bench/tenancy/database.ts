import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin connection: any database on the server; the bench creates its own next to it. */
export const adminUrl = (): string =>
  process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

export const connectAdmin = async (): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: adminUrl(), application_name: "taruvi-bench-admin" });
  await client.connect();
  return client;
};

export type BenchDatabase = {
  name: string;
  url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop: () => Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh, empty database `taruvi_bench_<random>` on the admin server. */
export const createBenchDatabase = async (admin: pg.Client): Promise<BenchDatabase> => {
  const name = `taruvi_bench_${randomBytes(6).toString("hex")}`;
  await admin.query(`CREATE DATABASE ${name}`);
  let dropping: Promise<void> | null = null;
  const drop = async () => {
    // pg's pool.end() resolves before the server has seen every connection close; give the
    // backends a moment so FORCE does not have to terminate (and log) connections we closed.
    for (let waited = 0; waited < 2_000 && (await countBackends(admin, name)) > 0; waited += 50) {
      await sleep(50);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: () => {
      dropping ??= drop();
      return dropping;
    },
  };
};

/** Connections PostgreSQL has open to `database` right now (every process, every client). */
export const countBackends = async (admin: pg.Client, database: string): Promise<number> => {
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
    [database],
  );
  return rows[0]?.n ?? 0;
};
