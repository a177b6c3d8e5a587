/**
 * One configuration of the service-clients RSS step, in a process of its own so that nothing the
 * bench did before is in its RSS. Forked by ./rss-services.ts (`node --import tsx`), it receives
 * a `RssJob` over IPC, touches every site once with each client (the core tenant client and one
 * generated client per product service, each through its own tenant client cache over one
 * shared pool, as the subgraphs of one process do) and answers with a `RssReport`.
 */
import { createPool, type Pool, type PrismaClientClass, tenantClientFactory } from "@taruvi/db";
import { createTenantClientCache, type DisconnectableClient, type TenantClientCache } from "@taruvi/tenancy";
import { forEachConcurrent } from "./concurrent";
import { collectGarbage } from "./memory";
import { timed } from "./stats";

export type RssJob = {
  url: string;
  poolSize: number;
  cacheMax: number;
  concurrency: number;
  siteIds: string[];
  /** The product services' generated clients: `client.ts` path and the model queried. */
  services: { service: string; client: string; model: string }[];
};

export type RssReport = {
  services: string[];
  sites: number;
  /** Bytes. After a full GC, before the product clients' modules are imported. */
  rssStart: number;
  /** After importing the product clients' modules and a full GC. */
  rssImported: number;
  /** After the first site was touched with every client (Prisma's query compiler is loaded then). */
  rssAfterFirstSite: number;
  /** After touching every site and a full GC, the caches still full. */
  rssAfter: number;
  /** Highest RSS read after any site, no forced GC. */
  rssPeak: number;
  /** After closing the caches and a full GC. */
  rssAfterClose: number;
  heapUsedAfter: number;
  touchMs: number;
  queries: number;
  evictions: Record<string, number>;
  poolErrorListenersPeak: number;
  warnings: string[];
};

type Findable = DisconnectableClient & Record<string, { findFirst: () => Promise<unknown> } | unknown>;

type Touchable = { name: string; cache: TenantClientCache<Findable>; model: string };

const findFirst = (client: Findable, model: string): Promise<unknown> => {
  const delegate = client[model] as { findFirst?: () => Promise<unknown> } | undefined;
  if (typeof delegate?.findFirst !== "function") throw new Error(`the client has no model "${model}"`);
  return delegate.findFirst();
};

const run = async (job: RssJob): Promise<RssReport> => {
  const warnings: string[] = [];
  process.on("warning", (warning) => warnings.push(`${warning.name}: ${warning.message}`));

  collectGarbage();
  const rssStart = process.memoryUsage.rss();
  const classes = [];
  for (const service of job.services) {
    const module = (await import(service.client)) as { PrismaClient?: PrismaClientClass<Findable> };
    if (typeof module.PrismaClient !== "function")
      throw new Error(`${service.client} exports no PrismaClient`);
    classes.push({ ...service, Client: module.PrismaClient });
  }
  collectGarbage();
  const rssImported = process.memoryUsage.rss();

  const pool: Pool = createPool({ url: job.url, max: job.poolSize, applicationName: "taruvi-bench-rss" });
  const touchables: Touchable[] = [
    {
      name: "core",
      model: "user",
      cache: createTenantClientCache({ pool, max: job.cacheMax }) as unknown as TenantClientCache<Findable>,
    },
    ...classes.map(({ service, model, Client }) => ({
      name: service,
      model,
      // What `prismaTenantModel(PrismaClient)` gives the kit, and the kit's cache of its size.
      cache: createTenantClientCache<Findable>({
        pool,
        max: job.cacheMax,
        create: tenantClientFactory(Client),
      }),
    })),
  ];

  let rssPeak = rssImported;
  let poolErrorListenersPeak = 0;
  let queries = 0;
  const touchOne = async (siteId: string): Promise<void> => {
    for (const { cache, model } of touchables) {
      await findFirst(cache.forSite(siteId), model);
      queries += 1;
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    poolErrorListenersPeak = Math.max(poolErrorListenersPeak, pool.listenerCount("error"));
  };

  let touched: Omit<RssReport, "rssAfterClose">;
  try {
    const [first, ...rest] = job.siteIds;
    if (first === undefined) throw new Error("no sites to touch");
    let rssAfterFirstSite = 0;
    const { ms } = await timed(async () => {
      await touchOne(first);
      rssAfterFirstSite = process.memoryUsage.rss();
      await forEachConcurrent(rest, job.concurrency, (siteId) => touchOne(siteId));
    });
    collectGarbage();
    touched = {
      services: job.services.map(({ service }) => service),
      sites: job.siteIds.length,
      rssStart,
      rssImported,
      rssAfterFirstSite,
      rssAfter: process.memoryUsage.rss(),
      rssPeak,
      heapUsedAfter: process.memoryUsage().heapUsed,
      touchMs: ms,
      queries,
      evictions: Object.fromEntries(touchables.map(({ name, cache }) => [name, cache.evictions])),
      poolErrorListenersPeak,
      warnings,
    };
  } finally {
    for (const { cache } of touchables) await cache.close();
    await pool.end();
  }
  collectGarbage();
  return { ...touched, rssAfterClose: process.memoryUsage.rss() };
};

if (!process.send)
  throw new Error("rss-child.ts is forked by bench/tenancy/rss-services.ts (it needs an IPC channel)");
process.once("message", (job: RssJob) => {
  run(job).then(
    (report) => process.send?.({ ok: true, report }, () => process.disconnect()),
    (error: unknown) =>
      process.send?.(
        { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        () => process.disconnect(),
      ),
  );
});
