import { PLAN_LIMITS } from "@taruvi/limits";
import { restoreSite as restoreSchema } from "@taruvi/platform";
import { diff, recordAudit } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { getManagedSite, superuserCaller } from "./access";
import { announceSite } from "./announce";

/**
 * Brings a DELETED site (`admin_site`) back ACTIVE with all its data (its schema was never
 * touched), within the retention period, the organization's plan limit and its owners' allowance
 * of FREE sites (as createSite), and records `site.restored` (and enqueues the services'
 * `restored` event) in the restore's own transaction.
 */
export const restoreSite = async (ctx: Context, id: unknown) => {
  const { site } = await getManagedSite(ctx, id);
  const organization = await ctx.platform.organization.findUniqueOrThrow({
    where: { id: site.organizationId },
    select: { plan: true },
  });
  await restoreSchema(ctx.services.pool, site.id, {
    retentionDays: ctx.services.retentionDays,
    maxSites: PLAN_LIMITS[organization.plan].maxSites,
    maxFreeSitesPerAccount: superuserCaller(ctx) ? null : ctx.services.maxFreeSitesPerAccount,
    onRestored: async (client, restored) => {
      await recordAudit(
        ctx,
        client,
        {
          action: "site.restored",
          entityType: "Site",
          entityId: restored.id,
          organizationId: restored.organizationId,
          siteId: restored.id,
          changes: diff({ status: "DELETED" }, { status: "ACTIVE" }),
        },
        "platform",
      );
      await ctx.services.siteEvents.publish(
        client,
        { siteId: restored.id, slug: restored.slug, schema: site.schemaName },
        "restored",
      );
    },
  });
  await announceSite(ctx, site.id);
  ctx.logger.info({ siteId: site.id }, "site.restored");
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};
