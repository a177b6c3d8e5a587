import { badUserInput } from "@taruvi/errors";
import { parseDisplayName } from "@taruvi/tenancy";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";
import { announceSite } from "./announce";
import { recordSiteEvent } from "./audit";

export type UpdateSiteInput = {
  name?: string | null;
  settings?: { allowSignup?: boolean | null } | null;
};

/** The settings a site exposes (identity reads `allowSignup`); absent keys take these values. */
export const siteSettingsOf = (settings: unknown) => ({
  allowSignup: (settings as { allowSignup?: unknown } | null)?.allowSignup === true,
});

/**
 * Renames a site and/or changes its settings. Settings are merged into the stored JSON by one
 * UPDATE (`settings || $patch`), so concurrent changes of different keys both survive.
 */
export const updateSite = async (ctx: Context, id: unknown, input: UpdateSiteInput) => {
  const { site } = await getManagedSite(ctx, id);
  assertNotDeleted(site);
  const name = input.name === undefined || input.name === null ? null : parseDisplayName(input.name);
  const patch: Record<string, boolean> = {};
  const allowSignup = input.settings?.allowSignup;
  if (allowSignup !== undefined && allowSignup !== null) {
    if (typeof allowSignup !== "boolean") throw badUserInput("settings.allowSignup", "must be true or false");
    patch.allowSignup = allowSignup;
  }
  await ctx.platform.$executeRaw`
    UPDATE platform.sites
       SET name = coalesce(${name}, name),
           settings = settings || ${JSON.stringify(patch)}::jsonb,
           updated_at = now()
     WHERE id = ${site.id}::uuid`;
  await announceSite(ctx, site.id);
  await recordSiteEvent(ctx, site, "site.updated", {
    ...(name === null ? {} : { name: { from: site.name, to: name } }),
    ...(Object.keys(patch).length === 0 ? {} : { settings: patch }),
  });
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};
