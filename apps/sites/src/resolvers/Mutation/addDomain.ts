import type { Context } from "../../context";
import { addDomain as add } from "../../domain/add-domain";

export const addDomain = (_: unknown, args: { input: { siteId: string; domain: string } }, ctx: Context) =>
  add(ctx, args.input);
