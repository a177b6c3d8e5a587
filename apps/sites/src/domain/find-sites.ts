import { findOrganizationAccess } from "@taruvi/subgraph-kit";
import type { Context } from "../context";

/**
 * A site by slug if the caller may see it: members of its organization and superusers; a
 * DELETED site only to those who may restore it (`manage_sites`). Otherwise null: another
 * tenant's site is not found.
 */
export const findSiteBySlug = async (ctx: Context, slug: string) => {
  const site = await ctx.platform.site.findUnique({ where: { slug } });
  if (!site || site.status === "PROVISIONING") return null;
  const access = await findOrganizationAccess(ctx, site.organizationId);
  if (!access) return null;
  if (site.status === "DELETED" && !access.can("manage_sites")) return null;
  return site;
};

/** The site the request addresses (resolved and checked by the gateway). */
export const findCurrentSite = async (ctx: Context) =>
  ctx.tenant ? ctx.loaders.siteById.load(ctx.tenant.siteId) : null;

/** The organization's live sites (not DELETED), when the caller may see the organization. */
export const findOrganizationSites = async (ctx: Context, organizationId: string) =>
  (await findOrganizationAccess(ctx, organizationId))
    ? ctx.loaders.sitesByOrganization.load(organizationId)
    : [];
