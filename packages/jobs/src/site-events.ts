import type { SqlExecutor } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import { withTraceContext } from "@taruvi/telemetry";
import type PgBoss from "pg-boss";
import { JOBS_SCHEMA, type Queryable, startBoss } from "./boss";

/** A site's lifecycle, as services see it: one event per committed change of its state. */
export const SITE_LIFECYCLE = ["created", "suspended", "resumed", "deleted", "restored", "purged"] as const;

export type SiteLifecycle = (typeof SITE_LIFECYCLE)[number];

/** What a service's hook receives: the site (its schema is gone once `purged`) and when it changed. */
export type SiteEvent = {
  siteId: string;
  slug: string;
  schema: string;
  event: SiteLifecycle;
  /** When the change committed's transaction ran (ISO 8601). */
  at: string;
};

/** The pg-boss event name a service subscribes its queue to (`site.suspended`). */
export const siteEventName = (event: SiteLifecycle): string => `site.${event}`;

/** The queue that carries a service's site events: `<service>.site-events`. */
export const siteEventsQueue = (service: string): string => `${service}.site-events`;

/**
 * Enqueues `event` for every service subscribed to it (pg-boss pub/sub: `subscribe(event, queue)`)
 * on `db`, the transaction of the change itself: the jobs exist if and only if the change commits.
 * Unlike pg-boss's `publish`, which ignores a failed send, a failure here throws, so the change
 * cannot commit without its events. Returns how many services it was sent to.
 */
export const publishSiteEvent = async (
  boss: PgBoss,
  db: SqlExecutor,
  site: Omit<SiteEvent, "at" | "event">,
  event: SiteLifecycle,
  schema: string = JOBS_SCHEMA,
): Promise<number> => {
  const name = siteEventName(event);
  const { rows } = await db.query(`SELECT name FROM ${schema}.subscription WHERE event = $1 ORDER BY name`, [
    name,
  ]);
  const data: SiteEvent = {
    siteId: site.siteId,
    slug: site.slug,
    schema: site.schema,
    event,
    at: new Date().toISOString(),
  };
  const executor = { executeSql: (text: string, values: unknown[]) => db.query(text, values) };
  for (const { name: queue } of rows as { name: string }[]) {
    const id = await boss.send(queue, withTraceContext(data), { db: executor });
    // pg-boss inserts nothing (and returns null) when the queue is missing.
    if (!id) throw new AppError("INTERNAL_SERVER_ERROR", `queue ${queue} refused ${name}`);
  }
  return rows.length;
};

export type SiteEventPublisher = {
  /** Enqueues `event` in the caller's transaction (`db`); see `publishSiteEvent`. */
  publish: (db: SqlExecutor, site: Omit<SiteEvent, "at" | "event">, event: SiteLifecycle) => Promise<number>;
  close: () => Promise<void>;
};

/**
 * The sending side of site events for a process that changes sites (the sites subgraph, the
 * purge job, the CLI): a pg-boss over the process's pool (no connection of its own), its
 * schema installed or migrated at start, so a change never waits on it.
 */
export const createSiteEventPublisher = async ({
  pool,
  logger,
  schema = JOBS_SCHEMA,
}: {
  pool: Queryable;
  logger?: Logger;
  schema?: string;
}): Promise<SiteEventPublisher> => {
  const boss = await startBoss({
    pool,
    schema,
    applicationName: "taruvi-site-events",
    ...(logger ? { logger } : {}),
  });
  return {
    publish: async (db, site, event) => {
      const sent = await publishSiteEvent(boss, db, site, event, schema);
      logger?.debug(
        { siteId: site.siteId, event: siteEventName(event), services: sent },
        "site event enqueued",
      );
      return sent;
    },
    close: () => boss.stop({ graceful: false, close: false }),
  };
};
