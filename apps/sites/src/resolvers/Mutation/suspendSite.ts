import type { Context } from "../../context";
import { suspendSite as change } from "../../domain/site-status";

export const suspendSite = (_: unknown, args: { id: string }, ctx: Context) => change(ctx, args.id);
