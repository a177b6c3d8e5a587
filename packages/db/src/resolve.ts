import { ensureEmbeddedPostgres } from "./embedded";

export type ResolvedDatabase = {
  url: string;
  /** Set when an embedded server was started for this process; stop it on shutdown. */
  stop: () => Promise<void>;
  embedded: boolean;
};

/**
 * DATABASE_URL when given; otherwise the embedded PostgreSQL under `.data/postgres`
 * (started if it is not already running).
 */
export const resolveDatabase = async ({
  databaseUrl,
  dataDir,
  embeddedPort,
  onLog,
}: {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPort: number;
  onLog?: (message: string) => void;
}): Promise<ResolvedDatabase> => {
  if (databaseUrl) return { url: databaseUrl, stop: async () => undefined, embedded: false };
  const handle = await ensureEmbeddedPostgres({
    dataDir: `${dataDir}/postgres`,
    port: embeddedPort,
    ...(onLog ? { onLog } : {}),
  });
  return { url: handle.url, stop: handle.stop, embedded: true };
};
