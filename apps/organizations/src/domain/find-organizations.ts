import { accountOf } from "@taruvi/subgraph-kit";
import type { Context } from "../context";

/** Organizations the caller belongs to; every one for a superuser; none when signed out. */
export const findOrganizations = async (ctx: Context) => {
  const actor = accountOf(ctx);
  if (!actor) return [];
  return ctx.platform.organization.findMany({
    where: actor.superuser ? {} : { members: { some: { accountId: actor.id } } },
    orderBy: { slug: "asc" },
  });
};

/** An organization by slug, or null when it does not exist or the caller may not see it. */
export const findOrganizationBySlug = async (ctx: Context, slug: string) => {
  const actor = accountOf(ctx);
  if (!actor) return null;
  return ctx.platform.organization.findFirst({
    where: actor.superuser ? { slug } : { slug, members: { some: { accountId: actor.id } } },
  });
};

export const findViewerRole = async (ctx: Context, organizationId: string) => {
  const actor = accountOf(ctx);
  if (!actor) return null;
  const members = await ctx.loaders.membersByOrganization.load(organizationId);
  return members.find((member) => member.accountId === actor.id)?.role ?? null;
};
