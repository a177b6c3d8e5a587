import type { platform } from "@taruvi/db";
import { findOrganizationAccess, readOrganizationBySlug } from "@taruvi/platform";
import { accountOf, decodeCursor, type PageArgs, pageSize, toConnection } from "@taruvi/subgraph-kit";
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
  const organization = await readOrganizationBySlug(ctx.sql.platform, slug);
  if (!organization) return null;
  return (await findOrganizationAccess(ctx, organization.id)) ? organization : null;
};

/** The caller's role; null for a superuser or a grantee who is not a member. */
export const findViewerRole = async (ctx: Context, organizationId: string) =>
  (await findOrganizationAccess(ctx, organizationId))?.role ?? null;

export type OrganizationFilter = { search?: string | null; plan?: platform.OrganizationPlan | null };

/** Every organization, oldest first, in pages, by part of slug or name and plan (superusers: the shield's rule). */
export const findPlatformOrganizations = async (
  ctx: Context,
  args: PageArgs & { filter?: OrganizationFilter | null },
) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const search = args.filter?.search?.trim();
  const plan = args.filter?.plan;
  const rows = await ctx.platform.organization.findMany({
    where: {
      AND: [
        ...(plan ? [{ plan }] : []),
        ...(search
          ? [
              {
                OR: [
                  { slug: { contains: search, mode: "insensitive" as const } },
                  { name: { contains: search, mode: "insensitive" as const } },
                ],
              },
            ]
          : []),
        ...(after
          ? [{ OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] }]
          : []),
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: size + 1,
  });
  return toConnection(rows, size, (o) => ({ at: o.createdAt, id: o.id }));
};
