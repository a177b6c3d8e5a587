import type { Context } from "../../context";
import { type CreateSiteInput, createSite as create } from "../../domain/create-site";

export const createSite = (_: unknown, args: { input: CreateSiteInput }, ctx: Context) =>
  create(ctx, args.input);
