/**
 * Gateway benchmark: `npm run bench:gateway` (run.mjs installs bench/gateway's own packages, then
 * runs this file with tsx). Creates a throw-away database next to BENCH_DATABASE_URL, seeds it,
 * starts the four subgraphs in one process and, each in its own process, our gateway, stock
 * Apollo Gateway and Hive Gateway in front of them; then autocannon measures each server with two
 * queries (and the sites subgraph directly with the first). Writes bench/results/gateway.json and
 * prints a table. A missed target is reported, not fatal; a broken run (a wrong answer, errors
 * under load) exits 1.
 *
 * Options: --duration S (10), --warmup S (3), --connections N (20), --rounds N (2), --profile
 * (afterwards, one extra run per query of our gateway, it and the subgraphs' process under the
 * V8 profiler, summarised),
 * --shared-context (the stock gateways reuse one signed context per scope and subgraph instead of
 * signing one per fetch; a side experiment: results are printed, not written), --retries N (4:
 * runs measured again when other processes disturbed them, in all), --wait S (90: seconds the
 * bench may wait in all for an idle machine before runs).
 */
import type { ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type Actor,
  audienceFor,
  internalContextKey,
  loadKeyStore,
  signAccessToken,
  signInternalContext,
  type TenantRef,
} from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { connectAdmin, createBenchDatabase } from "../tenancy/database";
import { type Measured, measure, mergeMeasured } from "./load";
import { freePort, type ServerProcess, startServer, waitForQuiet } from "./processes";
import { summarizeProfile } from "./profile";
import {
  type Cell,
  cellOf,
  formatGoals,
  formatResults,
  type Goal,
  median,
  perRound,
  type QueryId,
  type Run,
  ratiosOf,
  round,
  SERVERS,
  type ServerId,
  writeJson,
} from "./report";
import { type BenchWorld, seedWorld } from "./seed";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const RESULTS_FILE = join(ROOT, "bench/results/gateway.json");
const SUPERGRAPH = join(ROOT, "supergraph/supergraph.graphql");
const HIVE_BIN = join(HERE, "node_modules/@graphql-hive/gateway/dist/bin.js");
/** A subgraph of the supergraph by name: the stack's own (identity, …) and the product services'. */
type SubgraphName = string;
type Scope = "site" | "platform";

/** Seconds of load per server and query in the unmeasured pass before the first round. */
const WARM_PASS_SECONDS = 5;
/** Our gateway's rate limits, raised so 20 connections for minutes are never throttled. */
const UNTHROTTLED = "100000000";

/** A run during which other processes used more of the machine than this is measured again. */
const MAX_INTERFERENCE_PERCENT = 10;
const MAX_ATTEMPTS = 3;
/** Before a run, wait up to this long for other work on the machine to stop (see --wait). */
const QUIET_WAIT_MS = 20_000;

const TARGETS = {
  /** The median over rounds of (a) ÷ (c) req/s, each round's ratio within that round. */
  throughputVsHive: 1.5,
  /** No round's (a) ÷ (c) req/s below this. */
  throughputVsHiveEveryRound: 1.4,
  cpuVsHive: 0.67,
  /** The moonshot: (a) ÷ (d) req/s with the single-subgraph query, median over rounds. */
  throughputVsDirect: 0.8,
} as const;
/** Measured on this machine before the project (README of the issue); for the reader only. */
const MEASURED_BEFORE = { apolloToHiveThroughput: 0.75, directToHiveThroughput: 6 } as const;

const QUERIES: Record<QueryId, { label: string; query: string; subgraphs: SubgraphName[] }> = {
  single: {
    label: "single-subgraph",
    query: "{ currentSite { id slug name status } }",
    subgraphs: ["sites"],
  },
  federated: {
    label: "three subgraphs",
    query:
      '{ organization(slug: "bench-org") { slug members { role user { email } } sites { slug domains { hostname } } } }',
    subgraphs: ["organizations", "identity", "sites"],
  },
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

/** Set by SIGINT/SIGTERM: clean-up is under way, and what it interrupts is not an error. */
let interrupted = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const options = () => {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: process.env.BENCH_GATEWAY_DURATION ?? "10" },
      warmup: { type: "string", default: process.env.BENCH_GATEWAY_WARMUP ?? "3" },
      connections: { type: "string", default: process.env.BENCH_GATEWAY_CONNECTIONS ?? "20" },
      rounds: { type: "string", default: process.env.BENCH_GATEWAY_ROUNDS ?? "3" },
      profile: { type: "boolean", default: process.env.BENCH_GATEWAY_PROFILE === "1" },
      "shared-context": { type: "boolean", default: process.env.BENCH_GATEWAY_SHARED_CONTEXT === "1" },
      retries: { type: "string", default: process.env.BENCH_GATEWAY_RETRIES ?? "4" },
      wait: { type: "string", default: process.env.BENCH_GATEWAY_WAIT ?? "90" },
      servers: { type: "string", default: "ours,apollo,hive,direct,proxy" },
      slices: { type: "string", default: process.env.BENCH_GATEWAY_SLICES ?? "2" },
    },
  });
  const positive = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: must be a positive integer`);
    return n;
  };
  const nonNegative = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: must be an integer ≥ 0`);
    return n;
  };
  return {
    durationSeconds: positive("duration", values.duration),
    warmupSeconds: positive("warmup", values.warmup),
    connections: positive("connections", values.connections),
    rounds: positive("rounds", values.rounds),
    profile: values.profile,
    sharedContext: values["shared-context"],
    /** Runs measured again because other processes disturbed them, at most, in one bench run. */
    retries: nonNegative("retries", values.retries),
    /** Seconds the bench may wait in all for the machine to be idle before runs. */
    waitSeconds: nonNegative("wait", values.wait),
    /** Which servers to measure (a side experiment when not all: results are printed, not written). */
    servers: serversOf(values.servers),
    /**
     * (a) and (c) are measured in this many alternating slices per round (1: one stretch each),
     * so a change of the machine's speed within the round weighs on both alike.
     */
    slices: positive("slices", values.slices),
  };
};

const serversOf = (list: string): ServerId[] => {
  const ids = list.split(",").map((id) => id.trim()) as ServerId[];
  const unknown = ids.filter((id) => !(id in SERVERS));
  if (unknown.length > 0 || !ids.includes("ours") || !ids.includes("hive")) {
    throw new Error(
      `--servers: a comma-separated list of ${Object.keys(SERVERS).join(", ")}, with ours and hive`,
    );
  }
  return ids;
};

const versionOf = (dir: string, pkg: string): string | null => {
  try {
    return (
      JSON.parse(readFileSync(join(dir, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
    ).version;
  } catch {
    return null;
  }
};

/** The committed supergraph with each subgraph's URL replaced by where it runs now. */
const supergraphFor = (urls: Record<SubgraphName, string>): string => {
  const missing: string[] = [];
  const sdl = readFileSync(SUPERGRAPH, "utf8").replace(
    /@join__graph\(name: "(\w+)", url: "[^"]*"\)/g,
    (match, name: string) => {
      const url = urls[name];
      if (!url) {
        missing.push(name);
        return match;
      }
      return `@join__graph(name: "${name}", url: "${url}")`;
    },
  );
  if (missing.length > 0) throw new Error(`supergraph: the stack did not start ${missing.join(", ")}`);
  return sdl;
};

type Check = (json: unknown) => string | null;

/** What each query must answer, from the seeded world; null when the answer is right. */
const checks = (world: BenchWorld): Record<QueryId, Check> => ({
  single: (json) => {
    const body = json as { data?: { currentSite?: Record<string, unknown> | null }; errors?: unknown };
    if (body.errors) return `errors: ${JSON.stringify(body.errors)}`;
    const site = body.data?.currentSite;
    const ok =
      site?.id === world.site.id &&
      site.slug === world.site.slug &&
      site.name === "Bench Site" &&
      site.status === "ACTIVE";
    return ok ? null : `unexpected data: ${JSON.stringify(body.data)}`;
  },
  federated: (json) => {
    type Org = {
      slug: string;
      members: { role: string; user: { email: string } | null }[];
      sites: { slug: string; domains: { hostname: string }[] }[];
    };
    const body = json as { data?: { organization?: Org | null }; errors?: unknown };
    if (body.errors) return `errors: ${JSON.stringify(body.errors)}`;
    const org = body.data?.organization;
    const members = (org?.members ?? []).map((m) => `${m.role} ${m.user?.email}`).sort();
    const expectedMembers = world.members.map((m) => `${m.role} ${m.email}`).sort();
    const site = org?.sites.find((s) => s.slug === world.site.slug);
    const hostnames = (site?.domains ?? []).map((d) => d.hostname).sort();
    const ok =
      org?.slug === world.organization.slug &&
      JSON.stringify(members) === JSON.stringify(expectedMembers) &&
      org.sites.length === 1 &&
      JSON.stringify(hostnames) === JSON.stringify([...world.site.domains].sort());
    return ok ? null : `unexpected data: ${JSON.stringify(body.data)}`;
  },
});

const postJson = async (url: string, headers: Record<string, string>, body: string) => {
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json };
};

const machine = async (admin: {
  query: (sql: string) => Promise<{ rows: { server_version: string }[] }>;
}) => {
  const cpu = cpus();
  const { rows } = await admin.query("SHOW server_version");
  return {
    node: process.version,
    platform: `${platform()} ${arch()}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    memoryGb: round(totalmem() / 1024 ** 3, 1),
    postgres: rows[0]?.server_version ?? "unknown",
  };
};

const main = async (): Promise<void> => {
  const config = options();
  const startedAt = new Date();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // `on`, not `once`: a Ctrl-C can arrive twice (from the terminal and relayed by tsx).
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: stopping the servers and dropping the bench database`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  if (!existsSync(HIVE_BIN)) {
    throw new Error("bench/gateway/node_modules is missing: run `npm run bench:gateway` (it installs them)");
  }
  const loadAverageStart = loadavg().map((n) => round(n));

  const admin = await connectAdmin();
  defer("close admin connection", () => admin.end());
  const db = await createBenchDatabase(admin);
  defer(`drop database ${db.name}`, async () => {
    await db.drop();
    console.log(`dropped database ${db.name}`);
  });
  console.log(`created database ${db.name}`);
  const machineInfo = await machine(admin);

  const pool = createPool({ url: db.url, max: 4, applicationName: "taruvi-bench-gateway" });
  let world: BenchWorld;
  try {
    world = await seedWorld(pool);
  } finally {
    await pool.end();
  }

  const scratch = mkdtempSync(join(tmpdir(), "taruvi-bench-gateway-"));
  defer("remove scratch directory", () => rmSync(scratch, { recursive: true, force: true }));
  const internalSecret = randomBytes(32).toString("hex");
  const signingKeys = generateKeyPairSync("ed25519").privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
  const keyStore = await loadKeyStore({ signingKeys, dataDir: scratch, production: true });
  const contextKey = internalContextKey(internalSecret);
  const accessToken = async (subject: string, site: { siteId: string } | null) =>
    (
      await signAccessToken(keyStore, {
        subject,
        sessionId: randomUUID(),
        audience: audienceFor(site),
        issuer: "taruvi",
        ttlSeconds: 3_600,
      })
    ).token;
  const siteToken = await accessToken(world.siteUser.id, { siteId: world.site.id });
  const platformToken = await accessToken(world.owner.id, null);

  // The contexts the stock gateways forward: what our gateway would sign for the same caller.
  const tenant: TenantRef = { siteId: world.site.id, slug: world.site.slug, schema: world.site.schema };
  const scopes: Record<Scope, { tenant: TenantRef | null; actor: Actor }> = {
    site: { tenant, actor: { type: "user", id: world.siteUser.id } },
    platform: { tenant: null, actor: { type: "account", id: world.owner.id } },
  };
  const sign = (scope: Scope, audience: SubgraphName, body: string) =>
    signInternalContext(contextKey, { requestId: `bench-${scope}`, ...scopes[scope] }, { audience, body });
  const servers: ServerProcess[] = [];
  defer("stop servers", () => Promise.all(servers.map((server) => server.stop())));
  const register = (server: ServerProcess) => servers.push(server);
  const loads = new Set<ChildProcess>();
  defer("stop load generator", () => {
    for (const child of loads) if (child.exitCode === null) child.kill("SIGKILL");
  });
  const serverEnv = { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info" };

  console.log("starting the subgraphs, our gateway, stock Apollo Gateway and Hive Gateway");
  const subgraphs = await startServer({
    name: "subgraphs",
    script: join(HERE, "servers/subgraphs.ts"),
    execArgv: ["--import", "tsx"],
    cwd: ROOT,
    env: { ...serverEnv, DATABASE_URL: db.url, DATA_DIR: scratch, INTERNAL_CONTEXT_SECRET: internalSecret },
    register,
  });
  const subgraphUrls = subgraphs.ready.urls as Record<SubgraphName, string>;
  const sitesUrl = subgraphUrls.sites;
  if (!sitesUrl) throw new Error("the stack did not start the sites subgraph");
  const supergraphPath = join(scratch, "supergraph.graphql");
  writeFileSync(supergraphPath, supergraphFor(subgraphUrls));

  const ours = await startServer({
    name: "our gateway",
    script: join(HERE, "servers/ours.ts"),
    execArgv: ["--import", "tsx"],
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
      ...Object.fromEntries(
        Object.entries(subgraphUrls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
      ),
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_PRINCIPAL_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_TENANT_PER_MINUTE: UNTHROTTLED,
      RATE_LIMIT_ADDRESS_PER_MINUTE: UNTHROTTLED,
      REDIS_URL: "",
    },
    register,
  });
  const stockEnv = {
    ...serverEnv,
    INTERNAL_CONTEXT_SECRET: internalSecret,
    BENCH_SCOPES: JSON.stringify(scopes),
    BENCH_CONTEXT_MODE: config.sharedContext ? "shared" : "per-request",
  };
  const apollo = await startServer({
    name: "stock Apollo Gateway",
    script: join(HERE, "servers/apollo.mjs"),
    execArgv: ["--import", "tsx"],
    cwd: HERE,
    env: { ...stockEnv, SUPERGRAPH_PATH: supergraphPath },
    register,
  });
  const hivePort = await freePort();
  const hive = await startServer({
    name: "Hive Gateway",
    script: HIVE_BIN,
    args: [
      "supergraph",
      supergraphPath,
      "--host",
      "127.0.0.1",
      "--port",
      String(hivePort),
      "--fork",
      "1",
      "--config-path",
      join(HERE, "servers/hive.config.mjs"),
    ],
    execArgv: ["--import", "tsx"],
    cwd: HERE,
    env: stockEnv,
    probeUrl: `http://127.0.0.1:${hivePort}/readiness`,
    register,
  });
  const proxy = await startServer({
    name: "a bare Node HTTP proxy",
    script: join(HERE, "servers/proxy.ts"),
    execArgv: ["--import", "tsx"],
    cwd: ROOT,
    env: { ...stockEnv, SUBGRAPH_URL: sitesUrl },
    register,
  });
  const urls: Record<ServerId, string> = {
    ours: ours.ready.url as string,
    apollo: apollo.ready.url as string,
    hive: `http://127.0.0.1:${hivePort}/graphql`,
    direct: sitesUrl,
    proxy: proxy.ready.url as string,
  };
  const pids: Record<ServerId, number> = {
    ours: ours.server.pid,
    apollo: apollo.server.pid,
    hive: hive.server.pid,
    direct: subgraphs.server.pid,
    proxy: proxy.server.pid,
  };
  const serverOf: Record<ServerId, ServerProcess> = {
    ours: ours.server,
    apollo: apollo.server,
    hive: hive.server,
    direct: subgraphs.server,
    proxy: proxy.server,
  };
  for (const id of Object.keys(urls) as ServerId[])
    console.log(`  ${SERVERS[id]}: ${urls[id]} (pid ${pids[id]})`);

  /** The request each server gets: the same client request for every gateway. */
  const requestFor = async (server: ServerId, query: QueryId) => {
    const body = JSON.stringify({ query: QUERIES[query].query });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (server === "direct") {
      // Straight to the sites subgraph: the context a gateway would sign for this body; it lives
      // a few seconds, so the load generator signs it anew as it goes (signContext).
      headers["x-taruvi-context"] = sign("site", "sites", body);
      return {
        url: urls[server],
        headers,
        body,
        signContext: {
          secret: internalSecret,
          audience: "sites",
          context: { requestId: "bench-site", ...scopes.site },
        },
      };
    } else if (server === "proxy") {
      // The proxy signs the site's context itself, as the stock gateways do; it reads no header.
      return { url: urls[server], headers, body };
    } else if (query === "single") {
      headers["x-tenant"] = world.site.slug;
      headers.authorization = `Bearer ${siteToken}`;
    } else {
      headers.authorization = `Bearer ${platformToken}`;
    }
    return { url: urls[server], headers, body };
  };
  const plan: { server: ServerId; query: QueryId }[] = [];
  for (const query of ["single", "federated"] as const) {
    // (a) and (c), the pair the goals compare, back to back in every round (forward and
    // reversed): this machine's speed drifts by a third over a minute or two (every server's CPU
    // per request moves together), so a pair measured far apart would carry that drift.
    for (const server of ["ours", "hive", "apollo", "direct", "proxy"] as const) {
      if ((server === "direct" || server === "proxy") && query !== "single") continue;
      if (!config.servers.includes(server)) continue;
      plan.push({ server, query });
    }
  }

  console.log("checking every answer before measuring");
  const expected = checks(world);
  for (const { server, query } of plan) {
    const request = await requestFor(server, query);
    const res = await postJson(request.url, request.headers, request.body);
    const problem = res.status === 200 ? expected[query](res.json) : `HTTP ${res.status}: ${res.text}`;
    if (problem) throw new Error(`${SERVERS[server]}, ${QUERIES[query].label} query: ${problem}`);
  }

  // One unmeasured pass over every server and query first: the first round of a fresh set of
  // processes ran 25–40 % slower than the later ones for every server (JIT, the subgraphs' and
  // PostgreSQL's caches), which would weigh on whichever server comes first.
  console.log(`warming every server up (${WARM_PASS_SECONDS} s each, not measured)`);
  for (const { server, query } of plan) {
    await measure({
      ...(await requestFor(server, query)),
      connections: config.connections,
      warmupSeconds: 0,
      durationSeconds: WARM_PASS_SECONDS,
      watch: {},
      all: [],
      cwd: HERE,
      track: (child) => loads.add(child),
    });
  }

  const runs = new Map<string, Run[]>();
  let retriesLeft = config.retries;
  let quietBudgetMs = config.waitSeconds * 1000;
  const quiet = async () => {
    if (quietBudgetMs <= 0) return;
    const waited = await waitForQuiet({
      percent: MAX_INTERFERENCE_PERCENT,
      maxMs: Math.min(QUIET_WAIT_MS, quietBudgetMs),
    });
    quietBudgetMs -= waited;
  };
  /** One autocannon run against `server`, with the CPU of the server and the subgraphs watched. */
  const measureOnce = async (
    server: ServerId,
    query: QueryId,
    warmupSeconds: number,
    durationSeconds: number,
  ) =>
    measure({
      ...(await requestFor(server, query)),
      connections: config.connections,
      warmupSeconds,
      durationSeconds,
      watch: server === "direct" ? { server: pids.direct } : { server: pids[server], subgraphs: pids.direct },
      all: Object.values(pids),
      cwd: HERE,
      track: (child) => loads.add(child),
    });

  /**
   * `server` and `partner` in `config.slices` alternating slices (A B, B A, A B, …) of
   * `durationSeconds / slices` each, each after the usual warm-up (a fresh load generator costs
   * more CPU per request until its JIT is warm, which would weigh on the servers); each server's
   * slices add up to one run. Within a round this machine's speed moved by up to a third between
   * two 10 s runs a few seconds apart (every process's CPU per request, the load generator's
   * too, moving together); with two slices (A B B A, the default) a steady drift weighs on both
   * alike.
   */
  const measureInSlices = async (server: ServerId, partner: ServerId, query: QueryId) => {
    const seconds = Math.max(1, Math.round(config.durationSeconds / config.slices));
    const parts: Record<"first" | "second", Measured[]> = { first: [], second: [] };
    for (let slice = 0; slice < config.slices; slice += 1) {
      const order = slice % 2 === 0 ? (["first", "second"] as const) : (["second", "first"] as const);
      for (const which of order) {
        parts[which].push(
          await measureOnce(which === "first" ? server : partner, query, config.warmupSeconds, seconds),
        );
      }
    }
    const first = mergeMeasured(parts.first);
    const second = mergeMeasured(parts.second);
    return {
      result: { first, second },
      interferencePercent: Math.max(first.interferencePercent, second.interferencePercent),
    };
  };

  /**
   * Measures with `run`; when other processes took a real share of the machine (a build, a test
   * run), waits a little, measures again (up to MAX_ATTEMPTS, within the run's retry budget) and
   * keeps the least disturbed attempt.
   */
  const measureWithRetries = async <T>(run: () => Promise<{ result: T; interferencePercent: number }>) => {
    let best = await run();
    let attempts = 1;
    while (
      best.interferencePercent > MAX_INTERFERENCE_PERCENT &&
      attempts < MAX_ATTEMPTS &&
      retriesLeft > 0
    ) {
      retriesLeft -= 1;
      process.stdout.write(`other processes used ${best.interferencePercent} % of the machine; again … `);
      attempts += 1;
      await sleep(2_000);
      await quiet();
      const again = await run();
      if (again.interferencePercent < best.interferencePercent) best = again;
    }
    return { result: best.result, attempts };
  };
  /** The other half of a pair measured in slices, until the loop reaches it. */
  const sliced = new Map<string, { result: Measured; attempts: number }>();

  const total = plan.length * config.rounds;
  let step = 0;
  for (let roundNo = 1; roundNo <= config.rounds; roundNo += 1) {
    // Every other round runs in reverse order, so drift (heat, load) does not favour one server.
    const order = roundNo % 2 === 1 ? plan : [...plan].reverse();
    for (const { server, query } of order) {
      step += 1;
      await quiet();
      process.stdout.write(
        `[${step}/${total}] round ${roundNo}: ${SERVERS[server]}, ${QUERIES[query].label} query … `,
      );
      const pairKey = `${query}:${server}`;
      let measured = sliced.get(pairKey);
      sliced.delete(pairKey);
      if (!measured) {
        const partner = server === "ours" ? "hive" : server === "hive" ? "ours" : null;
        if (partner && config.slices > 1 && config.servers.includes(partner)) {
          // The compared pair in alternating slices; the partner's share waits for its turn.
          const pair = await measureWithRetries(() => measureInSlices(server, partner, query));
          measured = { result: pair.result.first, attempts: pair.attempts };
          sliced.set(`${query}:${partner}`, { result: pair.result.second, attempts: pair.attempts });
        } else {
          measured = await measureWithRetries(async () => {
            const result = await measureOnce(server, query, config.warmupSeconds, config.durationSeconds);
            return { result, interferencePercent: result.interferencePercent };
          });
        }
      }
      const { result, attempts } = measured;
      const requests = Math.max(result.requests, 1);
      const run: Run = {
        round: roundNo,
        durationSeconds: result.durationSeconds,
        requests: result.requests,
        requestsPerSecond: round(result.requests / result.durationSeconds, 1),
        p50Ms: result.latencyMs.p50,
        p99Ms: result.latencyMs.p99,
        cpuMsPer1k: round(((result.cpuMs.server ?? 0) * 1000) / requests, 1),
        subgraphsCpuMsPer1k: round(
          ((result.cpuMs.subgraphs ?? result.cpuMs.server ?? 0) * 1000) / requests,
          1,
        ),
        postgresCpuMsPer1k: round((result.postgresCpuMs * 1000) / requests, 1),
        loadCpuMsPer1k: round((result.loadCpuMs * 1000) / requests, 1),
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        statusCodes: result.statusCodes,
        interferencePercent: result.interferencePercent,
        attempts,
      };
      const key = `${query}:${server}`;
      runs.set(key, [...(runs.get(key) ?? []), run]);
      console.log(
        `${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ${run.cpuMsPer1k.toFixed(0)} CPU ms / 1k (subgraphs ${run.subgraphsCpuMsPer1k.toFixed(0)}, PostgreSQL ${run.postgresCpuMsPer1k.toFixed(0)}, load ${run.loadCpuMsPer1k.toFixed(0)})` +
          (run.interferencePercent > MAX_INTERFERENCE_PERCENT
            ? ` (other processes used ${run.interferencePercent} % of the machine)`
            : ""),
      );
      if (run.errors || run.timeouts || run.non2xx) {
        console.error(
          `  not clean: ${run.errors} errors, ${run.timeouts} timeouts, status codes ${JSON.stringify(run.statusCodes)}\n${serverOf[server].recentOutput()}`,
        );
      }
      // The answer is still right after the load (e.g. no context expired on the way).
      const after = await requestFor(server, query);
      const res = await postJson(after.url, after.headers, after.body);
      const problem = res.status === 200 ? expected[query](res.json) : `HTTP ${res.status}: ${res.text}`;
      if (problem)
        throw new Error(`${SERVERS[server]}, ${QUERIES[query].label} query, after the run: ${problem}`);
      await sleep(500);
    }
  }

  const results = {} as Record<QueryId, Partial<Record<ServerId, Cell>>>;
  for (const { server, query } of plan) {
    results[query] ??= {};
    results[query][server] = cellOf(runs.get(`${query}:${server}`) ?? []);
  }
  const ratios = {} as Record<QueryId, Record<string, unknown>>;
  const goals: Goal[] = [];
  /** What bounds the moonshot: the bare proxy against the subgraph directly, and us against it. */
  let bound: Record<string, number | number[]> | null = null;
  for (const query of Object.keys(results) as QueryId[]) {
    const cells = results[query];
    const { ours: a, apollo: b, hive: c, direct: d, proxy: e } = cells;
    if (!a || !c) throw new Error(`missing results for the ${query} query`);
    ratios[query] = {
      ...(b ? { oursToApollo: ratiosOf(a, b), apolloToHive: ratiosOf(b, c) } : {}),
      oursToHive: ratiosOf(a, c),
      ...(d ? { directToHive: ratiosOf(d, c), oursToDirect: ratiosOf(a, d) } : {}),
      ...(d && e ? { proxyToDirect: ratiosOf(e, d), oursToProxy: ratiosOf(a, e) } : {}),
    };
    const throughputRounds = perRound(a, c, (run) => run.requestsPerSecond);
    const cpuRounds = perRound(a, c, (run) => run.cpuMsPer1k);
    const throughput = round(median(throughputRounds), 3);
    const lowest = Math.min(...throughputRounds);
    const cpu = round(median(cpuRounds), 3);
    goals.push(
      {
        query,
        label: "(a) req/s ÷ (c) req/s, median of rounds",
        value: throughput,
        rounds: throughputRounds,
        comparison: "≥",
        target: TARGETS.throughputVsHive,
        hit: a.clean && throughput >= TARGETS.throughputVsHive,
      },
      {
        query,
        label: "(a) req/s ÷ (c) req/s, lowest round",
        value: lowest,
        comparison: "≥",
        target: TARGETS.throughputVsHiveEveryRound,
        hit: a.clean && lowest >= TARGETS.throughputVsHiveEveryRound,
      },
      {
        query,
        label: "(a) CPU per request ÷ (c) CPU per request, median of rounds",
        value: cpu,
        rounds: cpuRounds,
        comparison: "≤",
        target: TARGETS.cpuVsHive,
        hit: a.clean && cpu <= TARGETS.cpuVsHive,
      },
    );
    if (d) {
      const directRounds = perRound(a, d, (run) => run.requestsPerSecond);
      const direct = round(median(directRounds), 3);
      goals.push({
        query,
        label: "(a) req/s ÷ (d) req/s, median of rounds (moonshot)",
        value: direct,
        rounds: directRounds,
        comparison: "≥",
        target: TARGETS.throughputVsDirect,
        hit: a.clean && direct >= TARGETS.throughputVsDirect,
      });
      if (e) {
        const proxyRounds = perRound(e, d, (run) => run.requestsPerSecond);
        const oursToProxyRounds = perRound(a, e, (run) => run.requestsPerSecond);
        bound = {
          proxyToDirect: round(median(proxyRounds), 3),
          proxyToDirectRounds: proxyRounds,
          oursToProxy: round(median(oursToProxyRounds), 3),
          oursToProxyRounds,
        };
      }
    }
  }

  let profile: Record<string, unknown> | null = null;
  if (config.profile) {
    profile = {};
    const profileDir = mkdtempSync(join(tmpdir(), "taruvi-bench-gateway-profile-"));
    const reply = (server: ServerProcess, type: string) =>
      new Promise<void>((resolve) => {
        const onMessage = (message: { type?: string }) => {
          if (message.type !== type) return;
          server.child.off("message", onMessage);
          resolve();
        };
        server.child.on("message", onMessage);
      });
    // Our gateway and, behind it, the subgraphs' process, profiled during the same run.
    const profiled = { ours: ours.server, subgraphs: subgraphs.server };
    for (const query of ["single", "federated"] as const) {
      process.stdout.write(`profiling ${SERVERS.ours} and the subgraphs, ${QUERIES[query].label} query … `);
      await Promise.all(
        Object.values(profiled).map((server) => {
          const started = reply(server, "profile-started");
          server.child.send({ type: "profile-start" });
          return started;
        }),
      );
      const result = await measure({
        ...(await requestFor("ours", query)),
        connections: config.connections,
        warmupSeconds: 1,
        durationSeconds: config.durationSeconds,
        watch: {},
        all: [],
        cwd: HERE,
        track: (child) => loads.add(child),
      });
      const entry: Record<string, unknown> = {
        requestsPerSecondWhileProfiled: round(result.requests / result.durationSeconds, 1),
      };
      console.log(`${entry.requestsPerSecondWhileProfiled} req/s while profiled`);
      for (const [name, server] of Object.entries(profiled)) {
        const path = join(profileDir, `${name}-${query}.cpuprofile`);
        const saved = reply(server, "profile-saved");
        server.child.send({ type: "profile-stop", path });
        await saved;
        const summary = summarizeProfile(path, 25);
        entry[name] = summary;
        console.log(`  ${name}: ${path}`);
        console.log(
          summary.byPackage
            .slice(0, 10)
            .map((p) => `    ${p.percentOfBusy.toFixed(1).padStart(5)} %  ${p.package}`)
            .join("\n"),
        );
        console.log(
          summary.top
            .slice(0, 15)
            .map((f) => `    ${f.percentOfBusy.toFixed(1).padStart(5)} %  ${f.function}  ${f.location}`)
            .join("\n"),
        );
      }
      profile[query] = entry;
    }
  }

  const finishedAt = new Date();
  const allRuns = [...runs.values()].flat();
  const queryLabels = { single: QUERIES.single.label, federated: QUERIES.federated.label };
  const report = {
    benchmark: "gateway",
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: {
      ...machineInfo,
      loadAverageStart,
      loadAverageEnd: loadavg().map((n) => round(n)),
    },
    versions: {
      ours: {
        "@apollo/gateway": versionOf(ROOT, "@apollo/gateway"),
        "@apollo/server": versionOf(ROOT, "@apollo/server"),
      },
      apollo: {
        "@apollo/gateway": versionOf(HERE, "@apollo/gateway"),
        "@apollo/server": versionOf(HERE, "@apollo/server"),
      },
      hive: { "@graphql-hive/gateway": versionOf(HERE, "@graphql-hive/gateway") },
      autocannon: versionOf(HERE, "autocannon"),
    },
    config: {
      ...config,
      method: "autocannon, POST, one connection per virtual client, no pipelining, its own process",
      pair:
        config.slices > 1
          ? `(a) and (c) in ${config.slices} alternating slices per round (A B, B A, …) of ${Math.max(1, Math.round(config.durationSeconds / config.slices))} s each, each after ${config.warmupSeconds} s of warm-up; p50 and p99 are the median of the slices'`
          : "(a) and (c) one stretch each per round, back to back",
      value:
        "the median over rounds of each number of each server and query; goals are medians of each round's ratio (and the lowest round); every round's numbers are in runs",
      cpu: "utime + stime of the server's process (/proc/<pid>/stat) during the measured part, per 1,000 completed requests",
      ourGatewayEnv: {
        NODE_ENV: "production",
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: UNTHROTTLED,
        RATE_LIMIT_PRINCIPAL_PER_MINUTE: UNTHROTTLED,
        RATE_LIMIT_TENANT_PER_MINUTE: UNTHROTTLED,
        RATE_LIMIT_ADDRESS_PER_MINUTE: UNTHROTTLED,
        REDIS_URL: "(unset: in-memory rate limits)",
      },
      ourGatewayTelemetry: {
        metrics: `on: every instrument recorded, served on METRICS_PORT (${process.env.METRICS_PORT ?? "9464"})`,
        tracing: process.env.OTEL_EXPORTER_OTLP_ENDPOINT
          ? `on: OTEL_EXPORTER_OTLP_ENDPOINT is set, sampler ${process.env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on"} ${process.env.OTEL_TRACES_SAMPLER_ARG ?? ""}`.trim()
          : "off: no OTEL_EXPORTER_OTLP_ENDPOINT (what tracing costs: npm run bench:telemetry)",
      },
      node: process.version,
    },
    servers: SERVERS,
    queries: Object.fromEntries(
      Object.entries(QUERIES).map(([id, q]) => [
        id,
        { label: q.label, query: q.query, subgraphs: q.subgraphs },
      ]),
    ),
    results,
    ratios,
    targets: TARGETS,
    measuredBefore: MEASURED_BEFORE,
    goals,
    moonshotBound: bound,
    interference: {
      thresholdPercent: MAX_INTERFERENCE_PERCENT,
      runsOverThreshold: allRuns.filter((run) => run.interferencePercent > MAX_INTERFERENCE_PERCENT).length,
      maxPercent: Math.max(0, ...allRuns.map((run) => run.interferencePercent)),
      runsMeasuredAgain: allRuns.filter((run) => run.attempts > 1).length,
    },
    allClean: Object.values(results).every((cells) => Object.values(cells).every((cell) => cell?.clean)),
    ...(profile ? { profile } : {}),
  };
  const sideExperiment = config.sharedContext || config.servers.length < Object.keys(SERVERS).length;
  if (!sideExperiment) writeJson(RESULTS_FILE, report);

  if (sideExperiment) console.log("\n--shared-context or --servers: results not written\n");
  else console.log(`\nwrote ${RESULTS_FILE}\n`);
  console.log(formatResults(results, queryLabels));
  console.log("");
  console.log(formatGoals(goals, queryLabels));
  if (bound) {
    const list = (values: number | number[] | undefined) =>
      (Array.isArray(values) ? values : []).map((v) => `${v.toFixed(2)}×`).join(", ");
    console.log(
      `\nWhat bounds the moonshot (single-subgraph): ${SERVERS.proxy} delivers ${Number(bound.proxyToDirect).toFixed(2)}× ` +
        `the subgraph-direct throughput (rounds ${list(bound.proxyToDirectRounds)}); our gateway delivers ` +
        `${Number(bound.oursToProxy).toFixed(2)}× the bare proxy's (rounds ${list(bound.oursToProxyRounds)}).`,
    );
  }
  const disturbed = allRuns.filter((run) => run.interferencePercent > MAX_INTERFERENCE_PERCENT).length;
  if (disturbed > 0) {
    console.warn(
      `\nnote: other processes used more than ${MAX_INTERFERENCE_PERCENT} % of the machine during ${disturbed} of ${allRuns.length} runs (see interferencePercent in the JSON); compare with care`,
    );
  }
  const unclean = Object.values(results).some((cells) => Object.values(cells).some((cell) => !cell?.clean));
  if (unclean) {
    console.error("\nsome runs had errors, timeouts or non-2xx answers: the numbers above are not valid");
    process.exitCode = 1;
  }
};

main()
  .catch((error: unknown) => {
    if (interrupted) return;
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
