import type { platform } from "@taruvi/db";
import type { Context } from "../context";
import { findVisibleSite } from "../domain/access";
import { siteSettingsOf } from "../domain/update-site";

const DAY_MS = 86_400_000;

export const Site = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findVisibleSite(ctx, ref.id),
  organization: (site: platform.Site) => ({ __typename: "Organization", id: site.organizationId }),
  domains: (site: platform.Site, _: unknown, ctx: Context) => ctx.loaders.domainsBySite.load(site.id),
  primaryDomain: async (site: platform.Site, _: unknown, ctx: Context) =>
    (await ctx.loaders.domainsBySite.load(site.id)).find((d) => d.isPrimary) ?? null,
  defaultHostname: (site: platform.Site, _: unknown, ctx: Context) =>
    `${site.slug}.${ctx.services.baseDomain}`,
  settings: (site: platform.Site) => siteSettingsOf(site.settings),
  createdAt: (site: platform.Site) => site.createdAt.toISOString(),
  suspendedAt: (site: platform.Site) => site.suspendedAt?.toISOString() ?? null,
  deletedAt: (site: platform.Site) => site.deletedAt?.toISOString() ?? null,
  restorableUntil: (site: platform.Site, _: unknown, ctx: Context) =>
    site.deletedAt
      ? new Date(site.deletedAt.getTime() + ctx.services.retentionDays * DAY_MS).toISOString()
      : null,
};
