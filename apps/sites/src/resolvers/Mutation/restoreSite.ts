import type { Context } from "../../context";
import { restoreSite as change } from "../../domain/restore-site";

export const restoreSite = (_: unknown, args: { id: string }, ctx: Context) => change(ctx, args.id);
