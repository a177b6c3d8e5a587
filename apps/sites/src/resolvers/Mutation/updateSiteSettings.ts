import type { Context } from "../../context";
import { type SiteSettingsInput, updateSiteSettings as update } from "../../domain/update-site";

export const updateSiteSettings = (_: unknown, args: { input: SiteSettingsInput }, ctx: Context) =>
  update(ctx, args.input);
