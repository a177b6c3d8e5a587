import type { Context } from "../../context";
import { resumeSite as change } from "../../domain/site-status";

export const resumeSite = (_: unknown, args: { id: string }, ctx: Context) => change(ctx, args.id);
