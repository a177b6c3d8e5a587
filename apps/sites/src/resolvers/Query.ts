import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { findCurrentSite, findSiteBySlug } from "../domain/find-sites";
import { findPlatformSites, type SiteFilter } from "../domain/platform-sites";
import { getSystemStatus } from "../domain/system-status";

export const Query = {
  platformSites: (_: unknown, args: PageArgs & { filter?: SiteFilter | null }, ctx: Context) =>
    findPlatformSites(ctx, args),
  systemStatus: (_: unknown, __: unknown, ctx: Context) => getSystemStatus(ctx),
  site: (_: unknown, args: { slug: string }, ctx: Context) => findSiteBySlug(ctx, args.slug),
  currentSite: (_: unknown, __: unknown, ctx: Context) => findCurrentSite(ctx),
};
