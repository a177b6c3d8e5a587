import type { Context } from "../context";
import { findCurrentSite, findSiteBySlug } from "../domain/find-sites";

export const Query = {
  site: (_: unknown, args: { slug: string }, ctx: Context) => findSiteBySlug(ctx, args.slug),
  currentSite: (_: unknown, __: unknown, ctx: Context) => findCurrentSite(ctx),
};
