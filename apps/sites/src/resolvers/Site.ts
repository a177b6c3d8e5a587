import type { platform } from "@taruvi/db";
import type { Context } from "../context";

export const Site = {
  __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.siteById.load(ref.id),
  organization: (site: platform.Site) => ({ __typename: "Organization", id: site.organizationId }),
  domains: (site: platform.Site, _: unknown, ctx: Context) => ctx.loaders.domainsBySite.load(site.id),
  createdAt: (site: platform.Site) => site.createdAt.toISOString(),
};
