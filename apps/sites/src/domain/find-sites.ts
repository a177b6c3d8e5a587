import { findOrganizationAccess } from "@taruvi/platform";
import { accountOf } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { canSeeSite } from "./access";

/**
 * A site by slug if the caller may see it (`access_site`: members of its organization, grantees
 * of the site, superusers); a DELETED site only to those who may restore it (`admin_site`).
 * Otherwise null: another tenant's site is not found.
 */
export const findSiteBySlug = async (ctx: Context, slug: string) => {
  const site = await ctx.platform.site.findUnique({ where: { slug } });
  return site && (await canSeeSite(ctx, site)) ? site : null;
};

/** The site the request addresses (resolved and checked by the gateway). */
export const findCurrentSite = async (ctx: Context) =>
  ctx.tenant ? ctx.loaders.siteById.load(ctx.tenant.siteId) : null;

/**
 * The organization's live sites (not DELETED), when the caller may see the organization. The
 * caller's access and the sites are read at once (one round trip, not two in a row); the sites
 * are returned only once access is known, and only with it. Only platform accounts can see an
 * organization, so no one else costs a read.
 */
export const findOrganizationSites = async (ctx: Context, organizationId: unknown) => {
  if (!isUuid(organizationId) || !accountOf(ctx)) return [];
  const [access, sites] = await Promise.all([
    findOrganizationAccess(ctx, organizationId),
    ctx.loaders.sitesByOrganization.load(organizationId),
  ]);
  return access ? sites : [];
};

/** A domain by id (a federation reference), or null when it does not exist or its site is not visible. */
export const findVisibleDomain = async (ctx: Context, id: unknown) => {
  if (!isUuid(id)) return null;
  const domain = await ctx.loaders.domainById.load(id.toLowerCase());
  if (!domain) return null;
  const site = await ctx.loaders.siteById.load(domain.siteId);
  return site && (await canSeeSite(ctx, site)) ? domain : null;
};
