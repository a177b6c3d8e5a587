import type { Context } from "../../context";
import { type UpdateSiteInput, updateSite as update } from "../../domain/update-site";

export const updateSite = (_: unknown, args: { id: string; input: UpdateSiteInput }, ctx: Context) =>
  update(ctx, args.id, args.input);
