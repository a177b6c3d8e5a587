import type { platform } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import { PLAN_LIMITS, restoreSite as restoreDeleted } from "@taruvi/tenancy";
import type { Context } from "../context";
import { getManagedSite } from "./access";
import { announceSite } from "./announce";
import { recordSiteEvent } from "./audit";

type Status = platform.SiteStatus;

type Transition = {
  action: string;
  /** The states this change starts from. */
  from: readonly Status[];
  to: Status;
  data: () => platform.Prisma.SiteUpdateManyMutationInput;
  /** What the refusal says the change needs. */
  needs: string;
};

const TRANSITIONS = {
  suspend: {
    action: "site.suspended",
    from: ["ACTIVE"],
    to: "SUSPENDED",
    data: () => ({ suspendedAt: new Date() }),
    needs: "only an ACTIVE site can be suspended",
  },
  resume: {
    action: "site.resumed",
    from: ["SUSPENDED"],
    to: "ACTIVE",
    data: () => ({ suspendedAt: null }),
    needs: "only a SUSPENDED site can be resumed",
  },
  delete: {
    action: "site.deleted",
    from: ["ACTIVE", "SUSPENDED"],
    to: "DELETED",
    data: () => ({ deletedAt: new Date() }),
    needs: "it is already deleted",
  },
} satisfies Record<string, Transition>;

/**
 * Moves a site from one of `from` to `to` with one conditional UPDATE, so two concurrent
 * changes cannot both apply; then tells every gateway (slug and custom domains), which refuse
 * a SUSPENDED or DELETED site (TENANT_SUSPENDED) from their next request on, tokens included.
 */
const transition = async (ctx: Context, id: unknown, change: Transition) => {
  const { site } = await getManagedSite(ctx, id);
  const { count } = await ctx.platform.site.updateMany({
    where: { id: site.id, status: { in: [...change.from] } },
    data: { status: change.to, ...change.data() },
  });
  if (count === 0) {
    const now = await ctx.platform.site.findUnique({ where: { id: site.id }, select: { status: true } });
    throw conflict("status", `site ${site.slug} is ${now?.status ?? "gone"}; ${change.needs}`);
  }
  await announceSite(ctx, site.id);
  await recordSiteEvent(ctx, site, change.action, { status: { from: site.status, to: change.to } });
  ctx.logger.info({ siteId: site.id, status: change.to }, change.action);
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};

export const suspendSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.suspend);
export const resumeSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.resume);
export const deleteSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.delete);

/**
 * Brings a DELETED site back ACTIVE with all its data, within the retention period and the
 * organization's plan limit (a restored site counts again).
 */
export const restoreSite = async (ctx: Context, id: unknown) => {
  const { site } = await getManagedSite(ctx, id);
  const organization = await ctx.platform.organization.findUniqueOrThrow({
    where: { id: site.organizationId },
    select: { plan: true },
  });
  await restoreDeleted(ctx.services.pool, site.id, {
    retentionDays: ctx.services.retentionDays,
    maxSites: PLAN_LIMITS[organization.plan].maxSites,
  });
  await announceSite(ctx, site.id);
  await recordSiteEvent(ctx, site, "site.restored", { status: { from: "DELETED", to: "ACTIVE" } });
  ctx.logger.info({ siteId: site.id }, "site.restored");
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};
