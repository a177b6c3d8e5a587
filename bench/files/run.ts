/**
 * Files benchmark: `npm run bench:files`. Uploads, completes and downloads 1,000 small files
 * (16 at a time) and one 100 MB file through the platform — createUpload through the gateway, PUT
 * to the presigned URL, completeUpload, `file { downloadUrl }`, GET — and, as the reference in the
 * same run, the same PUT and GET of the same bytes straight to the storage server with URLs its
 * driver presigns itself. On S3 (s3rver), then on the local store. The storage server, the core
 * subgraphs, the files subgraph and the gateway each run in their own process, so each one's CPU
 * time and socket bytes are read on their own. A throw-away database next to BENCH_DATABASE_URL,
 * dropped at the end. Writes bench/results/files.json and prints the tables; nothing is asserted
 * on time: it exits 1 only when something is broken (a refused request, other bytes back).
 *
 * Options: --small N (1000 files), --small-kib N (16), --large-mb N (100), --concurrency N (16),
 * --rounds N (2; the order of the two paths alternates; each path's best round is reported),
 * --storage s3|local|both (both).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { audienceFor, loadKeyStore, signAccessToken } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { createLocalDriver, createS3Driver, type StorageDriver } from "@taruvi/storage";
import type { ServerProcess } from "../gateway/processes";
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
import {
  type Shared,
  type StorageId,
  startCoreSubgraphs,
  startFilesSubgraph,
  startGateway,
  startLocalStore,
  startS3,
} from "./servers";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS_FILE = join(ROOT, "bench/results/files.json");
/** Files sent through each path before measuring: connections, JIT, caches and plans warm. */
const WARM_UP_FILES = 32;
const STORAGES: Record<StorageId, string> = {
  s3: "S3 (s3rver, path-style)",
  local: "local store (the files subgraph serves it)",
};

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
      storage: { type: "string", default: "both" },
    },
  });
  const positive = (name: Exclude<keyof typeof values, "storage">) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  if (!["s3", "local", "both"].includes(values.storage))
    throw new Error("--storage must be s3, local or both");
  return {
    smallFiles: positive("small"),
    smallBytes: positive("small-kib") * 1024,
    largeBytes: positive("large-mb") * 1024 * 1024,
    concurrency: positive("concurrency"),
    rounds: positive("rounds"),
    storages: (values.storage === "both" ? ["s3", "local"] : [values.storage]) as StorageId[],
  };
};

type Config = ReturnType<typeof options>;

/**
 * Every case through both paths, `rounds` times, the order of the paths alternating; one phase
 * each, metered over the given processes.
 */
const measureStorage = async (
  storage: StorageId,
  config: Config,
  pids: Record<ProcessId, number>,
  roundTrips: Record<PathId, (payload: Payload) => Promise<void>>,
  cases: Record<CaseId, { label: string; payloads: Payload[] }>,
  operations: () => number,
): Promise<Phase[]> => {
  const phases: Phase[] = [];
  for (let r = 1; r <= config.rounds; r += 1) {
    const order: PathId[] = r % 2 === 1 ? ["reference", "platform"] : ["platform", "reference"];
    for (const caseId of Object.keys(cases) as CaseId[]) {
      for (const path of order) {
        const { payloads, label } = cases[caseId];
        // Whatever the previous phase left running (log writes, idle sockets) settles first.
        await sleep(1_000);
        const storageIsFiles = storage === "local" && path === "platform";
        const meteredPids = storageIsFiles ? { ...pids, storage: pids.files } : pids;
        const operationsBefore = operations();
        const stop = startMeter(meteredPids);
        const started = performance.now();
        await forEachConcurrent(payloads, config.concurrency, roundTrips[path]);
        const wallMs = performance.now() - started;
        const phase: Phase = {
          storage,
          storageIsFiles,
          case: caseId,
          path,
          round: r,
          wallMs: round(wallMs),
          files: payloads.length,
          bytes: payloads.reduce((sum, p) => sum + p.bytes.length, 0),
          gatewayOperations: operations() - operationsBefore,
          ...stop(),
        };
        phases.push(phase);
        console.log(
          `  ${storage}, round ${r}, ${label}, ${path}: ${phase.wallMs.toFixed(0)} ms, gateway CPU ${phase.usage.gateway.cpuMs} ms, files CPU ${phase.usage.files.cpuMs} ms`,
        );
      }
    }
  }
  return phases;
};

const summaryOf = (phases: Phase[], cases: Record<CaseId, { label: string }>) =>
  Object.fromEntries(
    (Object.keys(cases) as CaseId[]).map((caseId) => {
      const reference = bestOf(phases, caseId, "reference");
      const viaPlatform = bestOf(phases, caseId, "platform");
      return [
        caseId,
        {
          label: cases[caseId].label,
          referenceWallMs: reference.wallMs,
          platformWallMs: viaPlatform.wallMs,
          platformToReference: round(viaPlatform.wallMs / reference.wallMs, 3),
          gatewayCpuMs: viaPlatform.usage.gateway.cpuMs,
          gatewayCpuMsPerFile: round(viaPlatform.usage.gateway.cpuMs / viaPlatform.files, 3),
          gatewayBytesRead: viaPlatform.usage.gateway.readBytes,
          filesCpuMs: viaPlatform.usage.files.cpuMs,
          storageCpuMs: {
            reference: reference.usage.storage.cpuMs,
            platform: viaPlatform.usage.storage.cpuMs,
          },
          rounds: { reference: reference.round, platform: viaPlatform.round },
        },
      ];
    }),
  );

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
  const servers: ServerProcess[] = [];
  defer("stop servers", () => Promise.all(servers.map((server) => server.stop())));
  const shared: Shared = {
    databaseUrl: db.url,
    dataDir: scratch,
    internalSecret: randomBytes(32).toString("hex"),
    signingKeys: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    register: (server) => servers.push(server),
  };
  const keyStore = await loadKeyStore({
    signingKeys: shared.signingKeys,
    dataDir: scratch,
    production: true,
  });
  const siteToken = (
    await signAccessToken(keyStore, {
      subject: world.siteUser.id,
      sessionId: randomUUID(),
      audience: audienceFor({ siteId: world.site.id }),
      issuer: "taruvi",
      ttlSeconds: 3_600,
    })
  ).token;

  console.log("starting the core subgraphs");
  const core = await startCoreSubgraphs(shared);
  const phases: Phase[] = [];
  for (const storage of config.storages) {
    console.log(`\n${STORAGES[storage]}: starting the store, the files subgraph and the gateway`);
    const { store, driver, filesEnv } = await (async () => {
      if (storage === "s3") {
        const { server, s3 } = await startS3(shared);
        return {
          store: server,
          driver: createS3Driver({ ...s3, forcePathStyle: true }),
          filesEnv: s3.filesEnv,
        };
      }
      const secret = randomBytes(32).toString("hex");
      const referenceDir = join(scratch, "local-reference");
      const { server, url } = await startLocalStore(shared, referenceDir, secret);
      return {
        store: server,
        driver: createLocalDriver({ dir: referenceDir, publicUrl: url, secret }) as StorageDriver,
        filesEnv: {
          FILES_STORAGE: "local",
          FILES_LOCAL_DIR: join(scratch, "files-local"),
          FILES_SIGNING_SECRET: randomBytes(32).toString("hex"),
        },
      };
    })();
    const files = await startFilesSubgraph(shared, filesEnv);
    const gateway = await startGateway(shared, core.urls, files.url);
    const pids: Record<ProcessId, number> = {
      gateway: gateway.server.pid,
      files: files.server.pid,
      core: core.server.pid,
      storage: store.pid,
      client: process.pid,
    };
    for (const id of Object.keys(pids) as ProcessId[]) console.log(`  ${PROCESSES[id]}: pid ${pids[id]}`);
    const client = gatewayClient(gateway.url, world.site.slug, siteToken);
    const roundTrips: Record<PathId, (payload: Payload) => Promise<void>> = {
      reference: referenceRoundTrip(driver),
      platform: platformRoundTrip(client),
    };
    console.log(`  warming up: ${WARM_UP_FILES} files through each path`);
    for (const path of ["reference", "platform"] as const) {
      await forEachConcurrent(warmUp, config.concurrency, roundTrips[path]);
    }
    phases.push(...(await measureStorage(storage, config, pids, roundTrips, cases, client.operations)));
    await driver.close?.();
    await Promise.all([gateway.server.stop(), files.server.stop(), store.stop()]);
  }

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
    config: { ...config, warmUpFiles: WARM_UP_FILES, plan: "ENTERPRISE", storageLabels: STORAGES },
    summary: Object.fromEntries(
      config.storages.map((storage) => [
        storage,
        summaryOf(
          phases.filter((p) => p.storage === storage),
          cases,
        ),
      ]),
    ),
    phases,
  });
  console.log(`\nwrote ${RESULTS_FILE}`);
  for (const storage of config.storages) {
    const own = phases.filter((p) => p.storage === storage);
    console.log(`\n${STORAGES[storage]}\n`);
    console.log(formatTimes(own, labels));
    console.log("");
    console.log(formatBytes(own, labels));
  }
};

main()
  .catch((error: unknown) => {
    if (interrupted) return;
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
