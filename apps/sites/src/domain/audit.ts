import type { platform } from "@taruvi/db";
import type { Context } from "../context";

/** Appends a site change to the platform audit trail (who, what, which site, request id). */
export const recordSiteEvent = async (
  ctx: Context,
  site: { id: string; organizationId: string },
  action: string,
  changes?: platform.Prisma.InputJsonObject,
  entity: { type: string; id: string } = { type: "Site", id: site.id },
): Promise<void> => {
  await ctx.platform.auditEvent.create({
    data: {
      action,
      entityType: entity.type,
      entityId: entity.id,
      actorType: "ACCOUNT",
      actorId: ctx.actor?.id ?? null,
      organizationId: site.organizationId,
      siteId: site.id,
      requestId: ctx.requestId,
      ip: ctx.client.ip,
      userAgent: ctx.client.userAgent,
      ...(changes ? { changes } : {}),
    },
  });
};
