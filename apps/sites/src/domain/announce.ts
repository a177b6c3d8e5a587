import type { Context } from "../context";

/**
 * Tells every gateway that these addresses (site slugs, host names) changed, so their tenant
 * caches drop them at once. Called after the change committed; a failed publish is logged and
 * the caches catch up when their entries expire.
 */
export const announce = async (ctx: Context, keys: Iterable<string>): Promise<void> => {
  for (const key of new Set(keys)) {
    try {
      await ctx.services.bus.publish(key);
    } catch (error) {
      ctx.logger.error({ err: error, key }, "tenant change not announced; gateways catch up on expiry");
    }
  }
};

/** Announces a site: its slug and every custom domain it answers at. */
export const announceSite = async (ctx: Context, siteId: string, extra: string[] = []): Promise<void> => {
  const site = await ctx.platform.site.findUnique({
    where: { id: siteId },
    select: { slug: true, domains: { select: { hostname: true } } },
  });
  await announce(ctx, [...(site ? [site.slug, ...site.domains.map((d) => d.hostname)] : []), ...extra]);
};
