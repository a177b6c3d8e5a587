/**
 * Shield benchmark: `npm run bench:shield`. The audit subgraph built three ways in one process
 * (./servers.ts: no rules, our wiring, the stock graphql-shield wiring), the same queries sent to
 * each over HTTP with a signed internal context by a load generator in its own process, one
 * request at a time, in interleaved rounds. Reported as ratios to the subgraph without rules,
 * measured in the same run; the target (ours ≤ 1.10× without) prints hit/MISS and never fails
 * the process. Writes bench/results/shield.json and prints a table.
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { type Actor, internalContextKey, signInternalContext, type TenantRef } from "@taruvi/auth";
import { createPool } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { defaultMigrationsDirs, loadMigrations, migratePlatform } from "@taruvi/migrator";
import { createSubgraphDeps, type Subgraph } from "@taruvi/subgraph-kit";
import { connectAdmin, createBenchDatabase } from "../tenancy/database";
import { median, percentile, round } from "../tenancy/stats";
import { formatReport, type QueryResult, writeResults } from "./report";
import { type ShieldBenchWorld, seedShieldWorld } from "./seed";
import { buildVariant, VARIANTS, type Variant, wrappedFieldCount } from "./servers";

/** `--rounds N` and `--batch-ms N` override the defaults (quicker, noisier runs); `--only` below. */
const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};

const CONFIG = {
  rounds: option("rounds", 25),
  /** Each batch runs at least this long and at least minRequests requests. */
  batchMs: option("batch-ms", 500),
  minRequests: 20,
  warmupMs: 1_500,
  events: 600,
  entities: 500,
  page: 100,
  poolSize: 8,
} as const;
const TARGET = 1.1;
const SECRET = "bench-shield-internal-context-secret-0123456789";
const RESULTS_FILE = fileURLToPath(new URL("../results/shield.json", import.meta.url));

export type BenchQuery = {
  name: string;
  what: string;
  tenant: TenantRef | null;
  actor: Actor;
  query: string;
  variables?: Record<string, unknown>;
};

const EVENT_FIELDS =
  "id action entityType entityId actorType actorId actor { id } occurredAt changes requestId ip userAgent scope organizationId siteId";

const queriesFor = (world: ShieldBenchWorld): BenchQuery[] => {
  const superuser: Actor = { type: "account", id: world.superuserId, superuser: true };
  const site: TenantRef = { siteId: world.site.id, slug: world.site.slug, schema: world.site.schema };
  return [
    {
      name: "small, platform",
      what: "auditEvents(first: 1) { id action occurredAt }, a superuser",
      tenant: null,
      actor: superuser,
      query: "{ auditEvents(first: 1) { edges { node { id action occurredAt } } } }",
    },
    {
      name: "small, site",
      what: "the same in a site, its admin (the rule asks for the caller's site access: the process's cache, one query on a miss)",
      tenant: site,
      actor: { type: "user", id: world.siteAdminId },
      query: "{ auditEvents(first: 1) { edges { node { id action occurredAt } } } }",
    },
    {
      name: `${CONFIG.page}-item page`,
      what: `auditEvents(first: ${CONFIG.page}), every field, a superuser`,
      tenant: null,
      actor: superuser,
      query: `{ auditEvents(first: ${CONFIG.page}) { edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
    },
    {
      name: `${CONFIG.entities}-item list`,
      what: `_entities with ${CONFIG.entities} AuditEvent representations, every field, a superuser`,
      tenant: null,
      actor: superuser,
      query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on AuditEvent { ${EVENT_FIELDS} } } }`,
      variables: {
        r: world.platformEventIds.slice(0, CONFIG.entities).map((id) => ({ __typename: "AuditEvent", id })),
      },
    },
  ];
};

type Job = { url: string; headers: Record<string, string>; body: string; minRequests: number; minMs: number };
type JobResult = { requests: number; elapsedMs: number; latencies: number[]; body: string };

/** The forked load generator: one job at a time. */
const startClient = async () => {
  const child: ChildProcess = fork(fileURLToPath(new URL("./client.mjs", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("error", reject);
  });
  let next = 0;
  const run = (job: Job) =>
    new Promise<JobResult>((resolve, reject) => {
      const id = next++;
      const onMessage = (message: { id: number; ok: boolean; result?: JobResult; error?: string }) => {
        if (message.id !== id) return;
        child.off("message", onMessage);
        if (message.ok && message.result) resolve(message.result);
        else reject(new Error(message.error));
      };
      child.on("message", onMessage);
      child.send({ ...job, id });
    });
  return { run, stop: () => child.kill() };
};

type Sample = { meanUs: number; p50Us: number; p99Us: number; cpuUsPerRequest: number; requests: number };

const main = async () => {
  const startedAt = new Date();
  const admin = await connectAdmin();
  const database = await createBenchDatabase(admin);
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      for (const closer of closers.reverse()) {
        try {
          await closer();
        } catch (error) {
          console.error("clean-up failed:", error);
        }
      }
      await database.drop();
      await admin.end();
    })();
    return closing;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: dropping the bench database`);
      close().finally(() => process.exit(130));
    });
  }

  try {
    const pool = createPool({
      url: database.url,
      max: CONFIG.poolSize,
      applicationName: "taruvi-bench-shield",
    });
    closers.push(() => pool.end());
    await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
    const world = await seedShieldWorld(pool, CONFIG.events);
    const deps = createSubgraphDeps({
      pool,
      logger: createLogger({ name: "bench-shield", level: "silent" }),
      internalContextSecret: SECRET,
    });
    closers.push(() => deps.close());
    const servers = {} as Record<Variant, Subgraph>;
    const urls = {} as Record<Variant, string>;
    for (const variant of VARIANTS) {
      servers[variant] = await buildVariant(variant, deps);
      closers.push(() => servers[variant].close());
      urls[variant] = await servers[variant].listen(0, "127.0.0.1");
    }
    const client = await startClient();
    closers.push(() => client.stop());
    const key = internalContextKey(SECRET);

    const jobFor = async (q: BenchQuery, variant: Variant, minMs: number): Promise<Job> => {
      const body = JSON.stringify({ query: q.query, variables: q.variables });
      return {
        url: urls[variant],
        headers: {
          "content-type": "application/json",
          // Signed for this body and valid a few seconds: signed anew for every batch.
          "x-taruvi-context": signInternalContext(
            key,
            { requestId: `bench-${variant}`, tenant: q.tenant, actor: q.actor },
            { audience: "audit", body },
          ),
        },
        body,
        minRequests: CONFIG.minRequests,
        minMs,
      };
    };

    const measure = async (q: BenchQuery, variant: Variant, minMs: number) => {
      const job = await jobFor(q, variant, minMs);
      const cpuBefore = process.cpuUsage();
      const result = await client.run(job);
      const cpu = process.cpuUsage(cpuBefore);
      const sample: Sample = {
        meanUs: round((result.elapsedMs * 1000) / result.requests, 1),
        p50Us: round(percentile(result.latencies, 50) * 1000, 1),
        p99Us: round(percentile(result.latencies, 99) * 1000, 1),
        cpuUsPerRequest: round((cpu.user + cpu.system) / result.requests, 1),
        requests: result.requests,
      };
      return { sample, body: result.body };
    };

    // `--only <text>`: just the queries whose name contains it.
    const only = process.argv.includes("--only")
      ? process.argv[process.argv.indexOf("--only") + 1]
      : undefined;
    const queries = queriesFor(world).filter((q) => !only || q.name.includes(only));
    console.log(
      `bench:shield — ${queries.length} queries × ${VARIANTS.length} servers, ${CONFIG.rounds} rounds of ≥ ${CONFIG.batchMs} ms`,
    );
    // Every server answers every query the same (and without errors) before anything is timed.
    for (const q of queries) {
      const bodies = new Set<string>();
      for (const variant of VARIANTS) {
        bodies.add((await measure(q, variant, 0)).body);
      }
      if (bodies.size !== 1) throw new Error(`the servers answer "${q.name}" differently`);
      const size = JSON.stringify(JSON.parse([...bodies][0] as string)).length;
      console.log(`  ${q.name}: same answer from every server (${size} bytes)`);
    }
    for (const q of queries) for (const variant of VARIANTS) await measure(q, variant, CONFIG.warmupMs);

    const samples = new Map<string, Sample[]>();
    for (let round_ = 0; round_ < CONFIG.rounds; round_ += 1) {
      for (const q of queries) {
        // Rotate the order every round: no server is always first or last.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round_) % VARIANTS.length] as Variant);
        for (const variant of order) {
          const { sample } = await measure(q, variant, CONFIG.batchMs);
          const key_ = `${q.name}|${variant}`;
          samples.set(key_, [...(samples.get(key_) ?? []), sample]);
        }
      }
      process.stdout.write(`  round ${round_ + 1}/${CONFIG.rounds} done\n`);
    }

    const results: QueryResult[] = queries.map((q) => {
      const servers_ = Object.fromEntries(
        VARIANTS.map((variant) => {
          const rounds = samples.get(`${q.name}|${variant}`) ?? [];
          return [
            variant,
            {
              meanUs: median(rounds.map((s) => s.meanUs)),
              p50Us: median(rounds.map((s) => s.p50Us)),
              p99Us: median(rounds.map((s) => s.p99Us)),
              cpuUsPerRequest: median(rounds.map((s) => s.cpuUsPerRequest)),
              rounds,
            },
          ];
        }),
      ) as QueryResult["servers"];
      // Ratios of the per-round values, then their median: each round's servers ran side by side.
      const ratio = (variant: Variant, field: "meanUs" | "cpuUsPerRequest") => {
        const mine = samples.get(`${q.name}|${variant}`) ?? [];
        const base = samples.get(`${q.name}|none`) ?? [];
        return round(median(mine.map((s, i) => s[field] / (base[i]?.[field] ?? Number.NaN))), 3);
      };
      // The least disturbed round of each server (a disturbance only ever slows one down).
      const best = (variant: Variant, field: "meanUs" | "cpuUsPerRequest") => {
        const min = (v: Variant) => Math.min(...(samples.get(`${q.name}|${v}`) ?? []).map((s) => s[field]));
        return round(min(variant) / min("none"), 3);
      };
      const ours = ratio("ours", "meanUs");
      const oursCpu = ratio("ours", "cpuUsPerRequest");
      return {
        name: q.name,
        what: q.what,
        servers: servers_,
        ratios: {
          oursLatency: ours,
          oursCpu,
          stockLatency: ratio("stock", "meanUs"),
          stockCpu: ratio("stock", "cpuUsPerRequest"),
        },
        bestRoundRatios: {
          oursLatency: best("ours", "meanUs"),
          oursCpu: best("ours", "cpuUsPerRequest"),
          stockLatency: best("stock", "meanUs"),
          stockCpu: best("stock", "cpuUsPerRequest"),
        },
        target: TARGET,
        hit: { latency: ours <= TARGET, cpu: oursCpu <= TARGET },
      };
    });

    const report = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        postgres:
          (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
          "unknown",
        /** 1/5/15-minute load averages at the end: other work on the machine shows here. */
        loadAverage: loadavg().map((l) => round(l)),
      },
      config: { ...CONFIG, target: `ours ÷ none ≤ ${TARGET}× (mean latency; CPU per request shown too)` },
      stockWrappedFields: wrappedFieldCount(),
      results,
    };
    writeResults(RESULTS_FILE, report);
    console.log(`\n${formatReport(results)}\n\nwrote ${RESULTS_FILE}`);
  } finally {
    await close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
