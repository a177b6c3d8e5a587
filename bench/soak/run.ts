/**
 * Soak: `npm run bench:soak [-- --minutes 10 --window-seconds 60 --concurrency 4 …]`.
 *
 * Starts the whole platform as separate processes (every registered subgraph, the worker and the
 * gateway, NODE_ENV=production) over a throw-away database and a Redis server of its own, drives a
 * mixed workload through the gateway for the given time and reports, per window, p50/p99, 429s,
 * errors and each process's RSS (from /proc) and heap (from a preloaded probe, heap-probe.mjs).
 * Exits 1 when a request failed with anything but a rate limit, when an app did not exit 0 on
 * SIGTERM, or when a process's memory (live heap; RSS less V8's young generation) grew by more
 * than 10 % from the second window to the last. bench/README.md describes it.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SERVICES } from "@taruvi/registry";
import { startOwnRedis } from "@taruvi/testing";
import pg from "pg";
import { createRecorder } from "./client";
import { type AppProcess, freePort, rssBytes, startApp } from "./processes";
import {
  FLATNESS_LIMIT,
  flatness,
  formatFlatnessTable,
  formatLatencyTable,
  formatMemoryTable,
  formatOperationTable,
  type MemorySeries,
  operationStats,
  windowStats,
} from "./report";
import { runScheduledJobsOnce } from "./scheduled-jobs";
import { PASSWORD, runSiteCreator, runVirtualUser, SUPERUSER_EMAIL, setUpWorld } from "./workload";

const root = fileURLToPath(new URL("../..", import.meta.url));
const probe = pathToFileURL(join(root, "bench/soak/heap-probe.mjs")).href;

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: process.env.SOAK_MINUTES ?? "10" },
    "window-seconds": { type: "string", default: "60" },
    concurrency: { type: "string", default: "4" },
    // More sites than a subgraph's tenant client cache holds (TENANT_CLIENT_CACHE_SIZE, 32): the
    // caches fill in the first window and then evict, as in a deployment with many sites.
    sites: { type: "string", default: "36" },
    /** Default: one per minute of the run. */
    "max-site-creations": { type: "string" },
    compiled: { type: "boolean", default: false },
    "gc-seconds": { type: "string", default: "10" },
    // How far RSS less the young generation may grow from the second window to the last. A run of
    // a minute or so still sees RSS warm up (code space, malloc arenas): CI's run allows more.
    "rss-limit": { type: "string", default: String(FLATNESS_LIMIT) },
    out: { type: "string", default: join(root, "bench/results/soak.json") },
    "no-write": { type: "boolean", default: false },
  },
});
const positive = (name: string, value: string | undefined, { integer = false } = {}) => {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    console.error(`--${name} must be a positive ${integer ? "whole number" : "number"} (got ${value})`);
    process.exit(2);
  }
  return n;
};
const config = {
  minutes: positive("minutes", args.minutes),
  windowSeconds: positive("window-seconds", args["window-seconds"]),
  concurrency: positive("concurrency", args.concurrency, { integer: true }),
  seedSites: positive("sites", args.sites, { integer: true }),
  maxSiteCreations: args["max-site-creations"]
    ? positive("max-site-creations", args["max-site-creations"], { integer: true })
    : Math.max(1, Math.round(Number(args.minutes))),
  compiled: args.compiled,
  gcSeconds: args["gc-seconds"] === "0" ? 0 : positive("gc-seconds", args["gc-seconds"]),
  rssLimit: positive("rss-limit", args["rss-limit"]),
};
const durationMs = config.minutes * 60_000;
const windowMs = config.windowSeconds * 1_000;
const windows = Math.max(1, Math.floor(durationMs / windowMs));
const adminUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/postgres";

/** Clean-up steps, last registered first, run once: at the end, on failure or on Ctrl-C. */
const cleanups: { name: string; run: () => unknown }[] = [];
let cleaning: Promise<void> | null = null;
const cleanUp = () => {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        console.error(`clean-up "${name}" failed:`, error);
      }
    }
  })();
  return cleaning;
};
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // `on`, not `once`: tsx relays the terminal's Ctrl-C, so it arrives twice.
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the stack and dropping the soak database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const main = async (): Promise<boolean> => {
  const loadAtStart = loadavg();
  // A database and a Redis of the soak's own: the shared ones serve other test runs, and the
  // gateway's per-address counters would be shared with them.
  const dbName = `taruvi_soak_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  cleanups.push({ name: "close admin connection", run: () => admin.end() });
  await admin.query(`CREATE DATABASE ${dbName}`);
  cleanups.push({
    name: `drop database ${dbName}`,
    run: () => admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
  });
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const redis = await startOwnRedis();
  cleanups.push({ name: "stop redis-server", run: () => redis.stop() });
  const redisPid = Number(
    /process_id:(\d+)/.exec(
      execFileSync("redis-cli", ["-u", redis.url, "info", "server"], { encoding: "utf8" }),
    )?.[1],
  );
  const dataDir = mkdtempSync(join(tmpdir(), "taruvi-soak-"));
  cleanups.push({ name: "remove data dir", run: () => rmSync(dataDir, { recursive: true, force: true }) });

  const cliEnv = { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl };
  const cli = (...cliArgs: string[]) =>
    execFileSync(process.execPath, [join(root, "packages/cli/bin/taruvi.js"), ...cliArgs], {
      cwd: root,
      env: cliEnv,
      encoding: "utf8",
    });
  cli("migrate");
  cli("superuser", "create", "--email", SUPERUSER_EMAIL, "--password", PASSWORD);

  // The OS may hand the same free port out twice in a row: each app gets a different one.
  const ports: Record<string, number> = {};
  for (const name of ["gateway", ...SERVICES.map((s) => s.name)]) {
    let port = await freePort();
    while (Object.values(ports).includes(port)) port = await freePort();
    ports[name] = port;
  }
  const signingKey = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
  // Rate limits stay on (every request still goes through the Redis limiter) but so high that
  // four virtual users on one address and two principals never reach them.
  const unlimited = "100000000";
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    DATA_DIR: dataDir,
    INTERNAL_CONTEXT_SECRET: randomBytes(32).toString("hex"),
    SIGNING_KEYS: String(signingKey),
    EMAIL_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    // The worker insists on a mail server in production; the workload sends no email.
    SMTP_URL: "smtp://127.0.0.1:2525",
    // Files refuses local storage in production; the workload stores no object (presigning is local).
    FILES_STORAGE: "s3",
    FILES_S3_BUCKET: "taruvi-soak",
    FILES_S3_ENDPOINT: "http://127.0.0.1:9",
    FILES_S3_FORCE_PATH_STYLE: "true",
    SOAK_GC_SECONDS: String(config.gcSeconds),
    // Metrics served (their cost is part of the soak), each on a free port beside other runs.
    METRICS_PORT: "0",
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: unlimited,
    RATE_LIMIT_PRINCIPAL_PER_MINUTE: unlimited,
    RATE_LIMIT_TENANT_PER_MINUTE: unlimited,
    RATE_LIMIT_ADDRESS_PER_MINUTE: unlimited,
    RATE_LIMIT_REJECTED_PER_MINUTE: unlimited,
    ...Object.fromEntries(SERVICES.map((s) => [s.urlVariable, `http://127.0.0.1:${ports[s.name]}/graphql`])),
  };
  const dirOf = (name: string) => SERVICES.find((s) => s.name === name)?.dir ?? `apps/${name}`;
  const entryOf = (name: string) => {
    const entry = join(root, dirOf(name), config.compiled ? "dist/index.js" : "src/index.ts");
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before --compiled`);
    return entry;
  };
  const execArgv = [
    ...(config.compiled ? ["--enable-source-maps"] : ["--import", "tsx"]),
    ...(config.gcSeconds > 0 ? ["--expose-gc"] : []),
    "--import",
    probe,
  ];
  const apps: AppProcess[] = [];
  cleanups.push({
    name: "stop the stack",
    run: () => Promise.all(apps.map((app) => app.stop(2_000))),
  });
  const start = (name: string) =>
    startApp({
      name,
      execArgv,
      entry: entryOf(name),
      cwd: root,
      heapFile: join(dataDir, `${name}.heap.jsonl`),
      // The worker has no port: it is up when it logs "worker running" (an info line).
      env: ports[name] ? { ...env, PORT: String(ports[name]) } : { ...env, LOG_LEVEL: "info" },
      ...(ports[name]
        ? { healthUrl: `http://127.0.0.1:${ports[name]}/healthz` }
        : { readyLine: "worker running" }),
      register: (app) => apps.push(app),
    });
  console.log(
    `soak: ${config.minutes} min, windows of ${config.windowSeconds} s, ${config.concurrency} virtual users, ` +
      `${config.seedSites} sites + at most ${config.maxSiteCreations} created, ${config.compiled ? "compiled" : "tsx"}; ` +
      `database ${dbName}, ${redis.url}`,
  );
  await Promise.all([...SERVICES.map((s) => start(s.name)), start("worker"), start("gateway")]);

  // Memory, once a second, from the moment the stack is up.
  const memory = new Map<string, MemorySeries>(
    [...apps.map((app) => app.name), "redis"].map((name) => [name, { name, rss: [], heap: [] }]),
  );
  const pids = new Map([...apps.map((app) => [app.name, app.pid] as const), ["redis", redisPid] as const]);
  const sampler = setInterval(() => {
    const at = Date.now();
    for (const [name, pid] of pids) {
      const bytes = rssBytes(pid);
      if (bytes !== null) memory.get(name)?.rss.push({ at, bytes });
    }
  }, 1_000);
  cleanups.push({ name: "stop sampling", run: () => clearInterval(sampler) });

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  const world = await setUpWorld(gatewayUrl, createRecorder(), config.seedSites);
  await runScheduledJobsOnce(databaseUrl);
  const recorder = createRecorder();
  world.recorder = recorder;
  console.log(`stack up, ${world.sites.length} sites; load for ${config.minutes} min`);

  const startedAt = Date.now();
  const until = startedAt + durationMs;
  const progress = setInterval(() => {
    const done = recorder.samples.length;
    const failed = recorder.samples.filter((s) => s.outcome !== "ok").length;
    console.log(`  ${Math.round((Date.now() - startedAt) / 1000)} s: ${done} requests, ${failed} not ok`);
  }, windowMs);
  await Promise.all([
    ...Array.from({ length: config.concurrency }, (_, i) => runVirtualUser(world, i, until)),
    runSiteCreator(world, config.maxSiteCreations, startedAt, until),
  ]);
  clearInterval(progress);
  clearInterval(sampler);
  const exitCodes = Object.fromEntries(
    await Promise.all(apps.map(async (app) => [app.name, await app.stop()] as const)),
  );
  for (const app of apps) {
    memory.get(app.name)?.heap.push(
      ...(existsSync(app.heapFile)
        ? readFileSync(app.heapFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as MemorySeries["heap"][number])
        : []),
    );
  }

  const series = [...memory.values()];
  const perWindow = windowStats({ samples: recorder.samples, memory: series, startedAt, windowMs, windows });
  const checks = flatness(perWindow, { rssLessYoungMb: config.rssLimit, liveHeapMb: FLATNESS_LIMIT });
  const operations = operationStats(recorder.samples);
  const outcomes: Record<string, number> = {};
  for (const s of recorder.samples) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
  const errors = recorder.samples.filter((s) => s.outcome !== "ok" && s.outcome !== "rateLimited").length;
  const sitesCreated = world.sites.length - config.seedSites;
  const leaks = checks.filter((c) => !c.pass);
  // An app that died during the run (or did not stop cleanly) makes every other number suspect.
  const unclean = Object.entries(exitCodes).filter(([, code]) => code !== 0);
  const pass = errors === 0 && leaks.length === 0 && unclean.length === 0;

  const names = series.map((s) => s.name);
  console.log(
    `\nlatency and errors per window (${config.windowSeconds} s):\n${formatLatencyTable(perWindow)}`,
  );
  console.log(
    `\nmemory per process per window, means (RSS (young generation) / live heap after full collections):\n${formatMemoryTable(perWindow, names)}`,
  );
  console.log(`\nper operation:\n${formatOperationTable(operations)}`);
  console.log(`\nsites created during the run: ${sitesCreated} of at most ${config.maxSiteCreations}`);
  console.log(
    checks.length
      ? `\nmemory flatness, last window against the second:\n${formatFlatnessTable(checks)}`
      : "\nmemory flatness: not checked (fewer than three windows)",
  );
  for (const app of apps) {
    if (app.logErrors.count + app.logWarnings.count === 0) continue;
    console.log(
      `\n${app.name} logged ${app.logErrors.count} errors and ${app.logWarnings.count} warnings, e.g.:`,
    );
    for (const line of [...app.logErrors.samples, ...app.logWarnings.samples]) console.log(`  ${line}`);
  }
  for (const [key, examples] of recorder.examples) {
    if (key.endsWith(" rateLimited")) continue;
    console.log(`\n${key}:\n${examples.map((e) => `  ${e}`).join("\n")}`);
  }
  console.log(`\nexit codes after SIGTERM: ${JSON.stringify(exitCodes)}`);
  console.log(
    pass
      ? "\nsoak: pass"
      : `\nsoak: FAIL (${errors} errors other than rate limits, ${leaks.length} memory checks above the limit, ` +
          `${unclean.length} apps not exiting 0)`,
  );

  if (!args["no-write"]) {
    const report = {
      at: new Date(startedAt).toISOString(),
      node: process.version,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        loadavgAtStart: loadAtStart,
        loadavgAtEnd: loadavg(),
      },
      config,
      pass,
      requests: recorder.samples.length,
      outcomes,
      sitesCreated,
      windows: perWindow,
      flatness: checks,
      operations,
      errorExamples: Object.fromEntries(
        [...recorder.examples].filter(([key]) => !key.endsWith(" rateLimited")),
      ),
      logs: Object.fromEntries(
        apps.map((app) => [app.name, { errors: app.logErrors, warnings: app.logWarnings }]),
      ),
      exitCodes,
    };
    writeFileSync(resolve(args.out), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${resolve(args.out)}`);
  }
  return pass;
};

let pass = false;
try {
  pass = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
} finally {
  await cleanUp();
}
process.exit(pass ? 0 : 1);
