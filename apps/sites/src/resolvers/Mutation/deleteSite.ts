import type { Context } from "../../context";
import { deleteSite as change } from "../../domain/site-status";

export const deleteSite = (_: unknown, args: { id: string }, ctx: Context) => change(ctx, args.id);
