/**
 * `npm run bench:prisma`: Prisma (the tenant client the subgraphs use: Prisma 7, its query
 * compiler and @prisma/adapter-pg) against node-postgres on the same pool, for the hot reads of
 * the identity and audit subgraphs, with the exact selections, orderings and page sizes the
 * domain code sends (issue 18, item 4). The list and the audit page stay on Prisma: their pg side
 * is hand-written SQL, for comparison. The reads by id moved to node-postgres (decision 0027):
 * their two sides are identity's own code, before (Prisma) and after (`ctx.sql`). In one process,
 * one query at a time, in interleaved rounds; reported as Prisma ÷ pg, per round, for the wall
 * time and for this process's CPU per read (the PostgreSQL server's own time is in the wall time
 * only). Writes bench/results/prisma.json.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createPlatformClient, createPool, type PlatformClient, type Pool } from "@taruvi/db";
import { defaultMigrationsDirs, loadMigrations, migratePlatform } from "@taruvi/migrator";
import { createScopedSql } from "@taruvi/subgraph-kit";
import { createTenantClientCache } from "@taruvi/tenancy";
import { getSiteUser, getSiteUserIn } from "../../apps/identity/src/domain/users/find-users";
import { findUserViews, findUserViewsById, USER_VIEW } from "../../apps/identity/src/domain/users/user-views";
import { seedShieldWorld } from "../shield/seed";
import { connectAdmin, createBenchDatabase } from "../tenancy/database";
import { median, round } from "../tenancy/stats";

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const CONFIG = {
  rounds: option("rounds", 15),
  /** Each batch runs at least this long and at least 50 reads. */
  batchMs: option("batch-ms", 300),
  users: 200,
  events: 600,
  /** `users(first: 50)` and `auditEvents(first: 50)`: the domain code asks for one more. */
  page: 50,
};
const RESULTS_FILE = fileURLToPath(new URL("../results/prisma.json", import.meta.url));

const USER_COLUMNS = `id, email, name, is_active AS "isActive", is_admin AS "isAdmin",
  email_verified_at AS "emailVerifiedAt", created_at AS "createdAt"`;
const EVENT_COLUMNS = `id, occurred_at AS "occurredAt", action, entity_type AS "entityType",
  entity_id AS "entityId", actor_type AS "actorType", actor_id AS "actorId", request_id AS "requestId",
  ip, user_agent AS "userAgent", changes`;

/**
 * `pg` is hand-written SQL beside the Prisma call the domain code makes (list, page), or the
 * domain code's node-postgres path that replaced it (the reads by id: before ÷ after).
 */
type Read = {
  name: string;
  pg: "hand-written" | "shipped";
  prisma: () => Promise<unknown>;
  pgRead: () => Promise<unknown>;
};

const readsOf = (
  pool: Pool,
  platform: PlatformClient,
  site: { id: string; slug: string; schema: string },
  ids: { user: string; account: string },
): Read[] => {
  const { schema } = site;
  const db = createTenantClientCache({ pool, max: 4 }).forSchema(schema);
  const tenant = { siteId: site.id, slug: site.slug, schema };
  // What identity's code uses of a request's context, in a site and on the platform.
  const inSite = { tenant, db, platform, sql: createScopedSql(pool, tenant) };
  const onPlatform = { tenant: null, db, platform, sql: createScopedSql(pool, null) };
  const q = `"${schema}"`;
  return [
    {
      name: `users list (${CONFIG.page})`,
      pg: "hand-written",
      // findUsers → findUserViews: oldest first, one more than the page.
      prisma: () =>
        db.user.findMany({
          where: { AND: [] },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: CONFIG.page + 1,
          select: USER_VIEW,
        }),
      pgRead: async () =>
        (
          await pool.query(
            `SELECT ${USER_COLUMNS} FROM ${q}.users ORDER BY created_at ASC, id ASC LIMIT $1`,
            [CONFIG.page + 1],
          )
        ).rows,
    },
    {
      name: "a user by id (loader)",
      pg: "shipped",
      // `user(id)` and `me` in a site: identity's userById loader, before and after.
      prisma: () => findUserViews(inSite, { id: { in: [ids.user] } }),
      pgRead: () => findUserViewsById(inSite, [ids.user]),
    },
    {
      name: "a user by id (getSiteUser)",
      pg: "shipped",
      // Before each change of a user: findUnique (still the read inside a transaction), and now.
      prisma: () => getSiteUserIn(db, ids.user),
      pgRead: () => getSiteUser(inSite, ids.user),
    },
    {
      name: "an account by id (loader)",
      pg: "shipped",
      // `me` on the platform: the same loader over platform accounts.
      prisma: () => findUserViews(onPlatform, { id: { in: [ids.account] } }),
      pgRead: () => findUserViewsById(onPlatform, [ids.account]),
    },
    {
      name: `audit page (${CONFIG.page})`,
      pg: "hand-written",
      // findAuditEvents in a site: newest first, every column, one more than the page.
      prisma: () =>
        db.auditEvent.findMany({
          where: { AND: [] },
          orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
          take: CONFIG.page + 1,
        }),
      pgRead: async () =>
        (
          await pool.query(
            `SELECT ${EVENT_COLUMNS} FROM ${q}.audit_events ORDER BY occurred_at DESC, id DESC LIMIT $1`,
            [CONFIG.page + 1],
          )
        ).rows,
    },
  ];
};

type Sample = { us: number; cpuUs: number };

/** Where a sampled function belongs: Prisma's parts, node-postgres, Node, the collector. */
const categoryOf = (url: string, functionName: string): string | null => {
  if (functionName === "(idle)" || functionName === "(root)") return null;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "V8 and native (program)";
  if (url.startsWith("wasm://")) return "Prisma query compiler (WASM)";
  if (url.includes("@prisma/client/runtime")) return "Prisma client runtime (JS)";
  if (url.includes("@prisma/adapter-pg") || url.includes("@prisma/driver-adapter-utils"))
    return "Prisma adapter-pg";
  if (url.includes("/db/src/generated/")) return "Prisma generated client";
  if (
    url.includes("/pg/") ||
    url.includes("/pg-protocol/") ||
    url.includes("/pg-types/") ||
    url.includes("/pg-pool/")
  )
    return "node-postgres";
  if (url.startsWith("node:") || url === "") return "Node (net, streams, timers, promises)";
  if (url.includes("/apps/identity/") || url.includes("/subgraph-kit/")) return "identity views, ctx.sql";
  return "other (bench, tsx)";
};

/** A CPU profile of `seconds` of sequential reads: CPU µs per read by category. */
const profile = async (read: () => Promise<unknown>, seconds: number) => {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  let n = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await read();
    n += 1;
  }
  const { profile: p } = await session.post("Profiler.stop");
  session.disconnect();
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  const deltas = p.timeDeltas ?? [];
  (p.samples ?? []).forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName);
    if (category) totals.set(category, (totals.get(category) ?? 0) + (deltas[i] ?? 0));
  });
  return Object.fromEntries(
    [...totals].sort((a, b) => b[1] - a[1]).map(([category, us]) => [category, round(us / n, 0)]),
  );
};

/** Sequential reads for at least `batchMs` and 50 reads: wall time and this process's CPU per read. */
const batch = async (read: () => Promise<unknown>): Promise<Sample> => {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (n < 50 || elapsed < CONFIG.batchMs) {
    await read();
    n += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const used = process.cpuUsage(cpu);
  return { us: (elapsed * 1000) / n, cpuUs: (used.user + used.system) / n };
};

/** JSON with each object's keys sorted (Prisma and pg may order columns differently). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

const main = async () => {
  const admin = await connectAdmin();
  const database = await createBenchDatabase(admin);
  const pool = createPool({ url: database.url, max: 4, applicationName: "taruvi-bench-prisma" });
  const platform = createPlatformClient(pool);
  try {
    await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
    const world = await seedShieldWorld(pool, CONFIG.events);
    const schema = world.site.schema;
    await pool.query(
      `INSERT INTO "${schema}".users (email, name, email_verified_at)
       SELECT 'bench-' || i || '@example.test', 'Bench User ' || i, CASE WHEN i % 2 = 0 THEN now() END
         FROM generate_series(1, $1::int) AS i`,
      [CONFIG.users],
    );
    const reads = readsOf(pool, platform, world.site, {
      user: world.siteAdminId,
      account: world.superuserId,
    });
    console.log(
      `\nbench:prisma — ${reads.length} reads × 2, ${CONFIG.rounds} rounds of ≥ ${CONFIG.batchMs} ms`,
    );
    for (const read of reads) {
      const [a, b] = [await read.prisma(), await read.pgRead()];
      if (!same(a, b)) throw new Error(`${read.name}: Prisma and pg answer differently`);
      // Warm-up: the query compiler's cache, the pool's connections, PostgreSQL's plans.
      await batch(read.prisma);
      await batch(read.pgRead);
    }
    const samples = new Map<string, { prisma: Sample[]; pg: Sample[] }>(
      reads.map((r) => [r.name, { prisma: [], pg: [] }]),
    );
    for (let round_ = 0; round_ < CONFIG.rounds; round_ += 1) {
      for (const read of reads) {
        const entry = samples.get(read.name) as { prisma: Sample[]; pg: Sample[] };
        // The order alternates each round.
        if (round_ % 2 === 0) {
          entry.prisma.push(await batch(read.prisma));
          entry.pg.push(await batch(read.pgRead));
        } else {
          entry.pg.push(await batch(read.pgRead));
          entry.prisma.push(await batch(read.prisma));
        }
      }
      console.log(`  round ${round_ + 1}/${CONFIG.rounds} done`);
    }
    const results = reads.map((read) => {
      const { prisma, pg } = samples.get(read.name) as { prisma: Sample[]; pg: Sample[] };
      const ratios = prisma.map((p, i) => p.us / (pg[i] as Sample).us);
      const cpuRatios = prisma.map((p, i) => p.cpuUs / (pg[i] as Sample).cpuUs);
      return {
        read: read.name,
        pg: read.pg,
        prismaUs: round(median(prisma.map((s) => s.us)), 0),
        pgUs: round(median(pg.map((s) => s.us)), 0),
        prismaCpuUs: round(median(prisma.map((s) => s.cpuUs)), 0),
        pgCpuUs: round(median(pg.map((s) => s.cpuUs)), 0),
        ratio: round(median(ratios), 2),
        ratioMin: round(Math.min(...ratios), 2),
        ratioMax: round(Math.max(...ratios), 2),
        cpuRatio: round(median(cpuRatios), 2),
        cpuRatioMin: round(Math.min(...cpuRatios), 2),
        cpuRatioMax: round(Math.max(...cpuRatios), 2),
      };
    });
    console.log(
      "\n| Read | pg side | Prisma | pg | Prisma ÷ pg (min–max) | CPU/read Prisma | CPU/read pg | CPU ÷ (min–max) |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of results) {
      console.log(
        `| ${r.read} | ${r.pg} | ${r.prismaUs} µs | ${r.pgUs} µs | ${r.ratio}× (${r.ratioMin}–${r.ratioMax}) | ` +
          `${r.prismaCpuUs} µs | ${r.pgCpuUs} µs | ${r.cpuRatio}× (${r.cpuRatioMin}–${r.cpuRatioMax}) |`,
      );
    }
    // Where each read's CPU goes (`--profile-seconds N`, default 3; 0: none).
    const seconds = process.argv.includes("--profile-seconds")
      ? Number(process.argv[process.argv.indexOf("--profile-seconds") + 1])
      : 3;
    const profiles: Record<string, { prisma: Record<string, number>; pg: Record<string, number> }> = {};
    if (seconds > 0) {
      for (const read of reads) {
        profiles[read.name] = {
          prisma: await profile(read.prisma, seconds),
          pg: await profile(read.pgRead, seconds),
        };
        console.log(`\n${read.name}: CPU µs per read, by where it is spent (sampled, ${seconds} s each)`);
        const { prisma, pg } = profiles[read.name] as {
          prisma: Record<string, number>;
          pg: Record<string, number>;
        };
        for (const category of new Set([...Object.keys(prisma), ...Object.keys(pg)])) {
          console.log(
            `  ${category.padEnd(40)} Prisma ${String(prisma[category] ?? 0).padStart(5)}   pg ${String(pg[category] ?? 0).padStart(5)}`,
          );
        }
      }
    }
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          loadavg: loadavg().map((l) => round(l, 2)),
          config: CONFIG,
          results,
          profiles,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwrote ${RESULTS_FILE}`);
  } finally {
    await platform.$disconnect();
    await pool.end();
    await database.drop();
    await admin.end();
  }
};

await main();
