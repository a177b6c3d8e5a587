import type { platform } from "@taruvi/db";
import { AppError, notFound } from "@taruvi/errors";
import { type OrganizationAccess, requireOrganizationPermission } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/tenancy";
import type { Context } from "../context";

/**
 * Site management happens in the platform scope, by a signed-in account. Who may do what is
 * decided by `requireOrganizationPermission` (subgraph-kit), the one place for it: superusers
 * and owners everything, admins `manage_sites`, members read only (FORBIDDEN), everyone else
 * NOT_FOUND.
 */
export const requirePlatformScope = (ctx: Context): void => {
  if (ctx.tenant) {
    throw new AppError("FORBIDDEN", "sites are managed in the platform scope: call without X-Tenant");
  }
};

/** A site the caller may manage (`manage_sites` in its organization); NOT_FOUND or FORBIDDEN else. */
export const getManagedSite = async (
  ctx: Context,
  id: unknown,
): Promise<{ site: platform.Site; access: OrganizationAccess }> => {
  requirePlatformScope(ctx);
  if (!ctx.actor) throw new AppError("UNAUTHENTICATED", "sign in required");
  const site = isUuid(id) ? await ctx.platform.site.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!site || site.status === "PROVISIONING") throw notFound("site");
  const access = await requireOrganizationPermission(ctx, site.organizationId, "manage_sites", "site");
  return { site, access };
};

/** Refuses changes to a deleted site: it has to be restored first. */
export const assertNotDeleted = (site: platform.Site): void => {
  if (site.status === "DELETED") {
    throw new AppError("CONFLICT", `site ${site.slug} is deleted; restore it first`, { field: "status" });
  }
};
