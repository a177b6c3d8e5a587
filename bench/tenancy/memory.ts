import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Pool } from "@taruvi/db";
import { createTenantClientCache } from "@taruvi/tenancy";
import type pg from "pg";
import { forEachConcurrent } from "./concurrent";
import { countBackends } from "./database";
import { measurement, type Results } from "./report";
import { round, timed, toMb } from "./stats";

export type TouchSitesOptions = {
  pool: Pool;
  poolSize: number;
  /** Connected to another database: its own connection is not counted. */
  admin: pg.Client;
  database: string;
  siteIds: readonly string[];
  cacheMax: number;
  /** Sites queried at once; above the pool size, so the pool has to queue. */
  concurrency: number;
  targetRssMb: number;
};

/**
 * A full garbage collection, so RSS before and after compares live memory rather than however
 * much garbage happens to be uncollected. `npm run` starts node without --expose-gc, so the
 * flag is set at run time and `gc` is taken from a fresh context, where V8 then installs it.
 */
let gc: (() => void) | null = null;
export const collectGarbage = (): void => {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    const exposed = runInNewContext("gc") as unknown;
    if (typeof exposed !== "function") throw new Error("could not expose the garbage collector");
    gc = exposed as () => void;
  }
  gc();
};

const SAMPLE_BACKENDS_EVERY = 50;

/** Step 4: one process touching every site through the bounded client cache. */
export const benchTouchSites = async ({
  pool,
  poolSize,
  admin,
  database,
  siteIds,
  cacheMax,
  concurrency,
  targetRssMb,
}: TouchSitesOptions): Promise<Results> => {
  collectGarbage();
  const rssBefore = process.memoryUsage.rss();
  const heapUsedBefore = process.memoryUsage().heapUsed;
  const peak = { rss: rssBefore, poolTotal: pool.totalCount, backends: 0, poolErrorListeners: 0 };
  const cache = createTenantClientCache({ pool, max: cacheMax });

  let touch: { ms: number; rssAfter: number; heapUsed: number; poolTotal: number; backends: number };
  let cacheStats: { size: number; evictions: number };
  let rssAfterFirstSite = rssBefore;
  try {
    const touchOne = async (siteId: string, index: number): Promise<void> => {
      await cache.forSite(siteId).user.findFirst();
      peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
      peak.poolTotal = Math.max(peak.poolTotal, pool.totalCount);
      // Every connected PrismaClient (adapter-pg) adds an "error" listener to the shared pool.
      peak.poolErrorListeners = Math.max(peak.poolErrorListeners, pool.listenerCount("error"));
      if (index % SAMPLE_BACKENDS_EVERY === 0) {
        peak.backends = Math.max(peak.backends, await countBackends(admin, database));
      }
    };
    const [first, ...rest] = siteIds;
    if (first === undefined) throw new Error("no sites to touch");
    const { ms } = await timed(async () => {
      // Alone, to see what the first tenant client costs (it loads Prisma's query compiler).
      await touchOne(first, 0);
      rssAfterFirstSite = process.memoryUsage.rss();
      await forEachConcurrent(rest, concurrency, (siteId, index) => touchOne(siteId, index + 1));
    });
    collectGarbage();
    touch = {
      ms,
      rssAfter: process.memoryUsage.rss(),
      heapUsed: process.memoryUsage().heapUsed,
      poolTotal: pool.totalCount,
      backends: await countBackends(admin, database),
    };
    peak.backends = Math.max(peak.backends, touch.backends);
    cacheStats = { size: cache.size, evictions: cache.evictions };
  } finally {
    await cache.close();
  }
  collectGarbage();
  const rssAfterClose = process.memoryUsage.rss();

  return {
    touchSites: measurement({
      label: `touch ${siteIds.length} sites (user.findFirst, ${concurrency} at a time)`,
      value: touch.ms,
      unit: "ms",
      details: { perSiteMs: round(touch.ms / siteIds.length, 3), ...cacheStats },
    }),
    rss: measurement({
      label: `RSS after touching ${siteIds.length} sites`,
      value: toMb(touch.rssAfter),
      unit: "MB",
      reference: { label: "RSS before", value: toMb(rssBefore) },
      target: targetRssMb,
      details: {
        afterFirstSiteMb: round(toMb(rssAfterFirstSite)),
        afterCacheCloseMb: round(toMb(rssAfterClose)),
        heapUsedBeforeMb: round(toMb(heapUsedBefore)),
        heapUsedAfterMb: round(toMb(touch.heapUsed)),
        cacheMax,
        ...cacheStats,
      },
    }),
    rssPeak: measurement({
      label: `RSS peak while touching ${siteIds.length} sites`,
      value: toMb(peak.rss),
      unit: "MB",
      reference: { label: "RSS before", value: toMb(rssBefore) },
      target: targetRssMb,
    }),
    connections: measurement({
      label: `DB connections at ${siteIds.length} sites (pg_stat_activity peak)`,
      value: peak.backends,
      unit: "connections",
      reference: { label: "pool size", value: poolSize },
      target: poolSize,
      details: {
        pgStatActivityAfter: touch.backends,
        poolTotalCountAfter: touch.poolTotal,
        poolTotalCountPeak: peak.poolTotal,
        poolErrorListenersPeak: peak.poolErrorListeners,
      },
    }),
  };
};
