/**
 * The files service's background work, run by its own process (pg-boss, retried): deleting
 * objects whose rows are gone, sweeping uploads never completed, and deleting a purged site's
 * objects.
 */
import { prismaSqlExecutor } from "@taruvi/db";
import { objectKey, sitePrefix } from "@taruvi/storage";
import type { JobContext, SiteHooks } from "@taruvi/subgraph-kit";
import { quoteSchema } from "@taruvi/tenancy";
import { release } from "./domain/usage";
import type { PrismaClient } from "./generated/client";
import type { FilesServices } from "./services";

type Ctx = JobContext<FilesServices, PrismaClient>;

/** How long past its expiry an upload is left alone (a completeUpload already under way finishes). */
const SWEEP_GRACE_SECONDS = 60;
/** Uploads swept per site per run; the next run takes the rest. */
const SWEEP_BATCH = 500;

/** `delete-object`: the object of a deleted or refused file. Idempotent: a missing object is fine. */
const deleteObject = async (data: Record<string, unknown>, ctx: Ctx) => {
  await ctx.services.storage.delete(objectKey(String(data.siteId), String(data.fileId)));
};

/**
 * `sweep-uploads` (every five minutes): in every site with the files tables, PENDING uploads past
 * their expiry lose their row and reservation in one transaction that also enqueues their objects'
 * deletion. A site that fails is logged and retried by the next run; the others go on. Each site
 * is asked first with one indexed query on the shared pool: only a site with something to sweep
 * gets its tenant client (building thousands of Prisma clients every five minutes for nothing
 * would churn the bounded client cache and its memory).
 */
const sweepUploads = async (_data: Record<string, unknown>, ctx: Ctx) => {
  const { rows: sites } = await ctx.pool.query<{ id: string; schema_name: string }>(
    `SELECT s.id, s.schema_name FROM platform.sites s
       JOIN platform.site_schema_versions v ON v.site_id = s.id AND v.service = 'files' AND v.version IS NOT NULL
      WHERE s.status <> 'PROVISIONING'`,
  );
  const cutoff = new Date(Date.now() - SWEEP_GRACE_SECONDS * 1000);
  let swept = 0;
  for (const site of sites) {
    try {
      const { rows } = await ctx.pool.query<{ due: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${quoteSchema(site.schema_name)}.files
                         WHERE status = 'PENDING' AND upload_expires_at < $1) AS due`,
        [cutoff],
      );
      if (!rows[0]?.due) continue;
      swept += await ctx.tenants.forSchema(site.schema_name).$transaction(async (tx) => {
        const expired = await tx.file.findMany({
          where: { status: "PENDING", uploadExpiresAt: { lt: cutoff } },
          select: { id: true, size: true },
          take: SWEEP_BATCH,
        });
        let count = 0;
        for (const file of expired) {
          const deleted = await tx.file.deleteMany({ where: { id: file.id, status: "PENDING" } });
          if (deleted.count === 0) continue;
          await release(tx, file.size);
          await ctx.services.jobs.send(
            "delete-object",
            { siteId: site.id, fileId: file.id },
            { db: prismaSqlExecutor(tx) },
          );
          count += 1;
        }
        return count;
      });
    } catch (error) {
      ctx.logger.error({ err: error, siteId: site.id }, "sweeping the site's abandoned uploads failed");
    }
  }
  if (swept > 0) ctx.logger.info({ swept }, "abandoned uploads swept");
};

export const jobs = [
  { name: "delete-object", retryLimit: 10, retryDelaySeconds: 30, handler: deleteObject },
  { name: "sweep-uploads", cron: "*/5 * * * *", retryLimit: 0, handler: sweepUploads },
];

export const hooks: SiteHooks<FilesServices, PrismaClient> = {
  /** The site's schema is gone: its objects go too (every page of them; retried until done). */
  purged: async (event, ctx) => {
    const deleted = await ctx.services.storage.deletePrefix(sitePrefix(event.siteId));
    ctx.logger.info({ siteId: event.siteId, deleted }, "purged site's files deleted");
  },
};
