import type { platform } from "@taruvi/db";
import type { Context } from "../context";
import { findVisibleDomain } from "../domain/find-sites";

export const Domain = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findVisibleDomain(ctx, ref.id),
  site: (domain: platform.Domain, _: unknown, ctx: Context) => ctx.loaders.siteById.load(domain.siteId),
};
