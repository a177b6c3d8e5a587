import type { Context } from "../../context";
import { type CreateSiteUserInput, createSiteUser as create } from "../../domain/create-site-user";

export const createSiteUser = (_: unknown, args: { input: CreateSiteUserInput }, ctx: Context) =>
  create(ctx, args.input);
