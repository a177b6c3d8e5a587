/**
 * Files benchmark: `npm run bench:files`. Uploads, completes and downloads 1,000 small files
 * (16 at a time) and one 100 MB file through the platform — createUpload through the gateway, PUT
 * to the presigned URL, completeUpload, `file { downloadUrl }`, GET — and, as the reference in the
 * same run, the same PUT and GET of the same bytes straight to the storage server with URLs the S3
 * driver presigns itself. The storage server (s3rver), the core subgraphs, the files subgraph and
 * the gateway each run in their own process, so each one's CPU time and socket bytes are read on
 * their own. A throw-away database next to BENCH_DATABASE_URL, dropped at the end. Writes
 * bench/results/files.json and prints the tables; nothing is asserted on time: it exits 1 only
 * when something is broken (a refused request, other bytes back).
 *
 * Options: --small N (1000 files), --small-kib N (16), --large-mb N (100), --concurrency N (16),
 * --rounds N (2; the order of the two paths alternates; each path's best round is reported).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { audienceFor, loadKeyStore, signAccessToken } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { createS3Driver, type StorageDriver } from "@taruvi/storage";
import type { OwnS3 } from "@taruvi/testing";
import { freePort, type ServerProcess, startServer } from "../gateway/processes";
import { writeJson } from "../gateway/report";
import { seedWorld } from "../gateway/seed";
import { forEachConcurrent } from "../tenancy/concurrent";
import { connectAdmin, createBenchDatabase } from "../tenancy/database";
import { gatewayClient, platformRoundTrip, referenceRoundTrip } from "./flows";
import { startMeter } from "./meter";
import { largePayload, type Payload, smallPayloads } from "./payload";
import {
  bestOf,
  type CaseId,
  formatBytes,
  formatTimes,
  type PathId,
  type Phase,
  PROCESSES,
  type ProcessId,
  round,
} from "./report";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const RESULTS_FILE = join(ROOT, "bench/results/files.json");
/** The gateway's rate limits, raised so 16 uploads at a time are never throttled. */
const UNTHROTTLED = "100000000";
/** Files sent through each path before measuring: connections, JIT, caches and plans warm. */
const WARM_UP_FILES = 32;

const cleanupActions: { name: string; run: () => unknown }[] = [];
let cleaning: Promise<void> | null = null;
const defer = (name: string, run: () => unknown) => cleanupActions.push({ name, run });
/** Clean-up actions, last-registered first, once, whether the run ends, fails or is interrupted. */
const cleanup = () => {
  cleaning ??= (async () => {
    for (const action of cleanupActions.reverse()) {
      try {
        await action.run();
      } catch (error) {
        console.error(`clean-up "${action.name}" failed:`, error);
      }
    }
  })();
  return cleaning;
};
let interrupted = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const options = () => {
  const { values } = parseArgs({
    options: {
      small: { type: "string", default: "1000" },
      "small-kib": { type: "string", default: "16" },
      "large-mb": { type: "string", default: "100" },
      concurrency: { type: "string", default: "16" },
      rounds: { type: "string", default: "2" },
    },
  });
  const positive = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return {
    smallFiles: positive("small"),
    smallBytes: positive("small-kib") * 1024,
    largeBytes: positive("large-mb") * 1024 * 1024,
    concurrency: positive("concurrency"),
    rounds: positive("rounds"),
  };
};

const main = async (): Promise<void> => {
  const config = options();
  const startedAt = new Date();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: stopping the servers and dropping the bench database`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const loadAverageStart = loadavg().map((n) => round(n));

  console.log(`generating ${config.smallFiles} small files and one of ${config.largeBytes / 1024 ** 2} MiB`);
  const small = smallPayloads(config.smallFiles, config.smallBytes, "small");
  const large = largePayload(config.largeBytes, "large.bin");
  const warmUp = smallPayloads(WARM_UP_FILES, config.smallBytes, "warm-up");

  const admin = await connectAdmin();
  defer("close admin connection", () => admin.end());
  const db = await createBenchDatabase(admin);
  defer(`drop database ${db.name}`, async () => {
    await db.drop();
    console.log(`dropped database ${db.name}`);
  });
  console.log(`created database ${db.name}`);
  const { rows } = await admin.query<{ server_version: string }>("SHOW server_version");

  const pool = createPool({ url: db.url, max: 4, applicationName: "taruvi-bench-files" });
  const world = await (async () => {
    try {
      const seeded = await seedWorld(pool);
      // FREE allows files of 25 MB; the large file needs a bigger plan.
      await pool.query("UPDATE platform.organizations SET plan = 'ENTERPRISE' WHERE id = $1", [
        seeded.organization.id,
      ]);
      return seeded;
    } finally {
      await pool.end();
    }
  })();

  const scratch = mkdtempSync(join(tmpdir(), "taruvi-bench-files-"));
  defer("remove scratch directory", () => rmSync(scratch, { recursive: true, force: true }));
  const internalSecret = randomBytes(32).toString("hex");
  const signingKeys = generateKeyPairSync("ed25519").privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
  const keyStore = await loadKeyStore({ signingKeys, dataDir: scratch, production: true });
  const siteToken = (
    await signAccessToken(keyStore, {
      subject: world.siteUser.id,
      sessionId: randomUUID(),
      audience: audienceFor({ siteId: world.site.id }),
      issuer: "taruvi",
      ttlSeconds: 3_600,
    })
  ).token;

  const servers: ServerProcess[] = [];
  defer("stop servers", () => Promise.all(servers.map((server) => server.stop())));
  const register = (server: ServerProcess) => servers.push(server);
  const serverEnv = { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info" };
  const tsx = ["--import", "tsx"];

  console.log("starting the storage server, the core subgraphs and the files subgraph");
  const filesPort = await freePort();
  const [storage, core] = await Promise.all([
    startServer({
      name: "storage server",
      script: join(HERE, "servers/s3.ts"),
      execArgv: tsx,
      cwd: ROOT,
      env: process.env,
      register,
    }),
    startServer({
      name: "core subgraphs",
      script: join(ROOT, "bench/gateway/servers/subgraphs.ts"),
      execArgv: tsx,
      cwd: ROOT,
      env: { ...serverEnv, DATABASE_URL: db.url, DATA_DIR: scratch, INTERNAL_CONTEXT_SECRET: internalSecret },
      register,
    }),
  ]);
  const s3 = (storage.ready as unknown as { s3: Omit<OwnS3, "close"> }).s3;
  const files = await startServer({
    name: "files subgraph",
    script: join(ROOT, "apps/files/src/index.ts"),
    execArgv: tsx,
    cwd: ROOT,
    env: {
      ...serverEnv,
      HOST: "127.0.0.1",
      PORT: String(filesPort),
      DATABASE_URL: db.url,
      DATA_DIR: scratch,
      INTERNAL_CONTEXT_SECRET: internalSecret,
      FILES_STORAGE: "s3",
      FILES_S3_BUCKET: s3.bucket,
      FILES_S3_REGION: s3.region,
      FILES_S3_ENDPOINT: s3.endpoint,
      FILES_S3_FORCE_PATH_STYLE: "true",
      FILES_S3_ACCESS_KEY_ID: s3.accessKeyId,
      FILES_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
    probeUrl: `http://127.0.0.1:${filesPort}/healthz`,
    register,
  });
  const subgraphUrls = core.ready.urls as Record<string, string>;
  console.log("starting the gateway");
  const gateway = await startServer({
    name: "gateway",
    script: join(ROOT, "bench/gateway/servers/ours.ts"),
    execArgv: tsx,
    cwd: ROOT,
    env: {
      ...serverEnv,
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: db.url,
      DATA_DIR: scratch,
      SIGNING_KEYS: signingKeys,
      INTERNAL_CONTEXT_SECRET: internalSecret,
      TOKEN_ISSUER: "taruvi",
      SUBGRAPH_IDENTITY_URL: subgraphUrls.identity,
      SUBGRAPH_ORGANIZATIONS_URL: subgraphUrls.organizations,
      SUBGRAPH_SITES_URL: subgraphUrls.sites,
      SUBGRAPH_AUDIT_URL: subgraphUrls.audit,
      SUBGRAPH_FILES_URL: `http://127.0.0.1:${filesPort}/graphql`,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_PRINCIPAL_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_TENANT_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_ADDRESS_PER_MINUTE: UNTHROTTLED,
      REDIS_URL: "",
    },
    register,
  });
  const pids: Record<ProcessId, number> = {
    gateway: gateway.server.pid,
    files: files.server.pid,
    core: core.server.pid,
    storage: storage.server.pid,
    client: process.pid,
  };
  for (const id of Object.keys(pids) as ProcessId[]) console.log(`  ${PROCESSES[id]}: pid ${pids[id]}`);

  const driver: StorageDriver = createS3Driver({ ...s3, forcePathStyle: true });
  defer("close the reference's S3 client", () => driver.close?.());
  const client = gatewayClient(gateway.ready.url as string, world.site.slug, siteToken);
  const roundTrips: Record<PathId, (payload: Payload) => Promise<void>> = {
    reference: referenceRoundTrip(driver),
    platform: platformRoundTrip(client),
  };
  const cases: Record<CaseId, { label: string; payloads: Payload[] }> = {
    small: {
      label: `${config.smallFiles} × ${config.smallBytes / 1024} KiB, ${config.concurrency} at a time`,
      payloads: small,
    },
    large: { label: `1 × ${config.largeBytes / 1024 ** 2} MiB`, payloads: [large] },
    single: { label: `1 × ${config.smallBytes / 1024} KiB alone`, payloads: small.slice(0, 1) },
  };
  const labels = Object.fromEntries(Object.entries(cases).map(([id, c]) => [id, c.label])) as Record<
    CaseId,
    string
  >;

  console.log(`warming up: ${WARM_UP_FILES} files through each path`);
  for (const path of ["reference", "platform"] as const) {
    await forEachConcurrent(warmUp, config.concurrency, roundTrips[path]);
  }

  const phases: Phase[] = [];
  for (let r = 1; r <= config.rounds; r += 1) {
    const order: PathId[] = r % 2 === 1 ? ["reference", "platform"] : ["platform", "reference"];
    for (const caseId of Object.keys(cases) as CaseId[]) {
      for (const path of order) {
        const { payloads } = cases[caseId];
        // Whatever the previous phase left running (log writes, idle sockets) settles first.
        await sleep(1_000);
        const operationsBefore = client.operations();
        const stop = startMeter(pids);
        const started = performance.now();
        await forEachConcurrent(payloads, config.concurrency, roundTrips[path]);
        const wallMs = performance.now() - started;
        const phase: Phase = {
          case: caseId,
          path,
          round: r,
          wallMs: round(wallMs),
          files: payloads.length,
          bytes: payloads.reduce((sum, p) => sum + p.bytes.length, 0),
          gatewayOperations: client.operations() - operationsBefore,
          ...stop(),
        };
        phases.push(phase);
        console.log(
          `  round ${r}, ${labels[caseId]}, ${path}: ${phase.wallMs.toFixed(0)} ms, gateway CPU ${phase.usage.gateway.cpuMs} ms, files CPU ${phase.usage.files.cpuMs} ms`,
        );
      }
    }
  }

  const summary = Object.fromEntries(
    (Object.keys(cases) as CaseId[]).map((caseId) => {
      const reference = bestOf(phases, caseId, "reference");
      const viaPlatform = bestOf(phases, caseId, "platform");
      return [
        caseId,
        {
          label: labels[caseId],
          referenceWallMs: reference.wallMs,
          platformWallMs: viaPlatform.wallMs,
          platformToReference: round(viaPlatform.wallMs / reference.wallMs, 3),
          gatewayCpuMs: viaPlatform.usage.gateway.cpuMs,
          gatewayCpuMsPerFile: round(viaPlatform.usage.gateway.cpuMs / viaPlatform.files, 3),
          filesCpuMs: viaPlatform.usage.files.cpuMs,
          storageCpuMs: {
            reference: reference.usage.storage.cpuMs,
            platform: viaPlatform.usage.storage.cpuMs,
          },
          gatewayBytesRead: viaPlatform.usage.gateway.readBytes,
          rounds: { reference: reference.round, platform: viaPlatform.round },
        },
      ];
    }),
  );
  writeJson(RESULTS_FILE, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${platform()} ${arch()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: round(totalmem() / 1024 ** 3, 1),
      postgres: rows[0]?.server_version ?? "unknown",
      loadAverageStart,
      loadAverageEnd: loadavg().map((n) => round(n)),
    },
    config: {
      ...config,
      warmUpFiles: WARM_UP_FILES,
      storage: "s3rver (startOwnS3), path-style",
      plan: "ENTERPRISE",
    },
    summary,
    phases,
  });
  console.log(`\nwrote ${RESULTS_FILE}\n`);
  console.log(formatTimes(phases, labels));
  console.log("");
  console.log(formatBytes(phases, labels));
};

main()
  .catch((error: unknown) => {
    if (interrupted) return;
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
