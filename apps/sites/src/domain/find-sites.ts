import { accountOf } from "@taruvi/subgraph-kit";
import type { Context } from "../context";

/** Whether the caller may see sites of this organization: a member, or a superuser. */
export const canSeeOrganization = async (ctx: Context, organizationId: string): Promise<boolean> => {
  const actor = accountOf(ctx);
  if (!actor) return false;
  if (actor.superuser) return true;
  const membership = await ctx.platform.organizationMember.findUnique({
    where: { organizationId_accountId: { organizationId, accountId: actor.id } },
    select: { id: true },
  });
  return membership !== null;
};

/** A site by slug if the caller may see it; otherwise null (another tenant's site is not found). */
export const findSiteBySlug = async (ctx: Context, slug: string) => {
  const site = await ctx.platform.site.findUnique({ where: { slug } });
  if (!site || site.status === "DELETED") return null;
  return (await canSeeOrganization(ctx, site.organizationId)) ? site : null;
};

/** The site the request addresses (resolved and checked by the gateway). */
export const findCurrentSite = async (ctx: Context) =>
  ctx.tenant ? ctx.loaders.siteById.load(ctx.tenant.siteId) : null;

export const findOrganizationSites = async (ctx: Context, organizationId: string) =>
  (await canSeeOrganization(ctx, organizationId)) ? ctx.loaders.sitesByOrganization.load(organizationId) : [];
