/**
 * The processes the bench measures, each started the way its bench or app starts it: the
 * storage servers (s3rver; the local driver's store), the core subgraphs (bench/gateway's
 * `startStack` process), the files subgraph (apps/files/src/index.ts, configured by its
 * environment only) and our gateway (bench/gateway's process, `start(loadGatewayEnv(env))`).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { OwnS3 } from "@taruvi/testing";
import { freePort, type ServerProcess, startServer } from "../gateway/processes";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const TSX = ["--import", "tsx"];
/** The gateway's rate limits, raised so 16 uploads at a time are never throttled. */
const UNTHROTTLED = "100000000";

export type StorageId = "s3" | "local";
export type S3Connection = Omit<OwnS3, "close">;

export type Shared = {
  databaseUrl: string;
  dataDir: string;
  internalSecret: string;
  signingKeys: string;
  /** Every process started, for clean-up even when a start fails. */
  register: (server: ServerProcess) => void;
};

/** Production settings, as the image runs the apps. */
const serverEnv = () => ({ ...process.env, NODE_ENV: "production", LOG_LEVEL: "info" });

export const startS3 = async (shared: Shared) => {
  const { server, ready } = await startServer({
    name: "s3rver",
    script: join(HERE, "servers/s3.ts"),
    execArgv: TSX,
    cwd: ROOT,
    env: process.env,
    register: shared.register,
  });
  return { server, s3: (ready as unknown as { s3: S3Connection }).s3 };
};

/** The local driver's store alone; its public URL is `url` (what a driver presigning for it needs). */
export const startLocalStore = async (shared: Shared, dir: string, secret: string) => {
  const { server, ready } = await startServer({
    name: "local store",
    script: join(HERE, "servers/local.ts"),
    execArgv: TSX,
    cwd: ROOT,
    env: { ...process.env, LOCAL_DIR: dir, LOCAL_SECRET: secret },
    register: shared.register,
  });
  return { server, url: ready.url as string };
};

export const startCoreSubgraphs = async (shared: Shared) => {
  const { server, ready } = await startServer({
    name: "core subgraphs",
    script: join(ROOT, "bench/gateway/servers/subgraphs.ts"),
    execArgv: TSX,
    cwd: ROOT,
    env: {
      ...serverEnv(),
      DATABASE_URL: shared.databaseUrl,
      DATA_DIR: shared.dataDir,
      INTERNAL_CONTEXT_SECRET: shared.internalSecret,
    },
    register: shared.register,
  });
  return { server, urls: ready.urls as Record<string, string> };
};

/**
 * The files subgraph alone. On S3 in production mode; with the local store in test mode, since
 * production refuses local storage (test, not development: development logs through pino-pretty).
 */
export const startFilesSubgraph = async (shared: Shared, storage: Record<string, string>) => {
  const port = await freePort();
  const { server } = await startServer({
    name: "files subgraph",
    script: join(ROOT, "apps/files/src/index.ts"),
    execArgv: TSX,
    cwd: ROOT,
    env: {
      ...serverEnv(),
      ...(storage.FILES_STORAGE === "local" ? { NODE_ENV: "test" } : {}),
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: shared.databaseUrl,
      DATA_DIR: shared.dataDir,
      INTERNAL_CONTEXT_SECRET: shared.internalSecret,
      ...storage,
    },
    probeUrl: `http://127.0.0.1:${port}/healthz`,
    register: shared.register,
  });
  return { server, url: `http://127.0.0.1:${port}/graphql` };
};

/** Our gateway in front of the core subgraphs and the files subgraph at `filesUrl`. */
export const startGateway = async (shared: Shared, core: Record<string, string>, filesUrl: string) => {
  const { server, ready } = await startServer({
    name: "gateway",
    script: join(ROOT, "bench/gateway/servers/ours.ts"),
    execArgv: TSX,
    cwd: ROOT,
    env: {
      ...serverEnv(),
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: shared.databaseUrl,
      DATA_DIR: shared.dataDir,
      SIGNING_KEYS: shared.signingKeys,
      INTERNAL_CONTEXT_SECRET: shared.internalSecret,
      TOKEN_ISSUER: "taruvi",
      SUBGRAPH_IDENTITY_URL: core.identity,
      SUBGRAPH_ORGANIZATIONS_URL: core.organizations,
      SUBGRAPH_SITES_URL: core.sites,
      SUBGRAPH_AUDIT_URL: core.audit,
      SUBGRAPH_FILES_URL: filesUrl,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_PRINCIPAL_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_TENANT_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_ADDRESS_PER_MINUTE: UNTHROTTLED,
      REDIS_URL: "",
    },
    register: shared.register,
  });
  return { server, url: ready.url as string };
};
