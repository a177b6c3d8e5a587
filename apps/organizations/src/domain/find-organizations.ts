import { findOrganizationAccess } from "@taruvi/platform";
import { accountOf } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../context";

/**
 * Organizations the caller belongs to or holds a grant on (platform.object_permissions); every
 * one for a superuser; none when signed out.
 */
export const findOrganizations = async (ctx: Context) => {
  const actor = accountOf(ctx);
  if (!actor) return [];
  if (actor.superuser) return ctx.platform.organization.findMany({ orderBy: { slug: "asc" } });
  const grants = await ctx.platform.objectPermission.findMany({
    where: { accountId: actor.id, objectType: "ORGANIZATION" },
    select: { objectId: true },
  });
  return ctx.platform.organization.findMany({
    where: {
      OR: [
        { members: { some: { accountId: actor.id } } },
        ...(grants.length > 0 ? [{ id: { in: [...new Set(grants.map((g) => g.objectId))] } }] : []),
      ],
    },
    orderBy: { slug: "asc" },
  });
};

/** An organization by id (a federation reference), or null when the caller may not see it. */
export const findVisibleOrganization = async (ctx: Context, id: unknown) => {
  if (!isUuid(id)) return null;
  const organization = await ctx.loaders.organizationById.load(id.toLowerCase());
  if (!organization) return null;
  return (await findOrganizationAccess(ctx, organization.id)) ? organization : null;
};

/** An organization by slug, or null when it does not exist or the caller may not see it. */
export const findOrganizationBySlug = async (ctx: Context, slug: string) => {
  if (!accountOf(ctx)) return null;
  const organization = await ctx.platform.organization.findUnique({ where: { slug } });
  if (!organization) return null;
  return (await findOrganizationAccess(ctx, organization.id)) ? organization : null;
};

/** The caller's role; null for a superuser or a grantee who is not a member. */
export const findViewerRole = async (ctx: Context, organizationId: string) =>
  (await findOrganizationAccess(ctx, organizationId))?.role ?? null;
