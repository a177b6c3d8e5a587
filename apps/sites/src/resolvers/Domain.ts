import type { platform } from "@taruvi/db";
import type { Context } from "../context";

export const Domain = {
  __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.domainById.load(ref.id),
  site: (domain: platform.Domain, _: unknown, ctx: Context) => ctx.loaders.siteById.load(domain.siteId),
};
