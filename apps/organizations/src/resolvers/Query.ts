import type { Context } from "../context";
import { findOrganizationBySlug, findOrganizations } from "../domain/find-organizations";

export const Query = {
  organizations: (_: unknown, __: unknown, ctx: Context) => findOrganizations(ctx),
  organization: (_: unknown, args: { slug: string }, ctx: Context) => findOrganizationBySlug(ctx, args.slug),
};
