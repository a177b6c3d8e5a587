import type { SiteObjectPermission } from "@taruvi/auth";
import type { platform } from "@taruvi/db";
import { AppError, notFound } from "@taruvi/errors";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../context";

/**
 * Who may see and change a site from the platform scope is decided by `ctx.access.siteObject`
 * (packages/auth evaluateSiteObjectAccess, loaded once per request and batched): members of its
 * organization get `access_site`, holders of `manage_sites` (owners, admins, organization
 * grantees) `admin_site`, superusers everything; grants on the site itself add to that.
 */

/** Site management happens in the platform scope (the shield refuses it earlier too). */
export const requirePlatformScope = (ctx: Context): void => {
  if (ctx.tenant) {
    throw new AppError("FORBIDDEN", "sites are managed in the platform scope: call without X-Tenant");
  }
};

/**
 * Whether the caller may see the site: a site's own request always; else `access_site`, and a
 * DELETED site only with `admin_site` (those who may restore it). Never while PROVISIONING.
 */
export const canSeeSite = async (ctx: Context, site: platform.Site): Promise<boolean> => {
  if (site.status === "PROVISIONING") return false;
  if (ctx.tenant?.siteId === site.id) return true;
  const access = await ctx.access.siteObject(site);
  if (!access) return false;
  return site.status !== "DELETED" || access.can("admin_site");
};

/** A site by id (a federation reference), or null when it does not exist or is not visible. */
export const findVisibleSite = async (ctx: Context, id: unknown) => {
  if (!isUuid(id)) return null;
  const site = await ctx.loaders.siteById.load(id.toLowerCase());
  return site && (await canSeeSite(ctx, site)) ? site : null;
};

/**
 * A site the caller may change with `permission` (default `admin_site`): NOT_FOUND when it does
 * not exist or they may not see it, FORBIDDEN when they see it but lack the permission.
 */
export const getManagedSite = async (
  ctx: Context,
  id: unknown,
  permission: SiteObjectPermission = "admin_site",
): Promise<{ site: platform.Site }> => {
  requirePlatformScope(ctx);
  if (!ctx.actor) throw new AppError("UNAUTHENTICATED", "sign in required");
  const site = isUuid(id) ? await ctx.platform.site.findUnique({ where: { id: id.toLowerCase() } }) : null;
  if (!site || !(await canSeeSite(ctx, site))) throw notFound("site");
  const access = await ctx.access.siteObject(site);
  if (!access?.can(permission)) {
    throw new AppError("FORBIDDEN", `requires the ${permission} permission on site ${site.slug}`);
  }
  return { site };
};

/** A superuser is exempt from what one account may own (MAX_FREE_SITES_PER_ACCOUNT). */
export const superuserCaller = (ctx: Pick<Context, "actor">): boolean =>
  ctx.actor?.type === "account" && ctx.actor.superuser === true;

/** Refuses changes to a deleted site: it has to be restored first. */
export const assertNotDeleted = (site: platform.Site): void => {
  if (site.status === "DELETED") {
    throw new AppError("CONFLICT", `site ${site.slug} is deleted; restore it first`, { field: "status" });
  }
};
