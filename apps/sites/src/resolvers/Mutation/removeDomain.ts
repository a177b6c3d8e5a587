import type { Context } from "../../context";
import { removeDomain as remove } from "../../domain/domains";

export const removeDomain = (_: unknown, args: { id: string }, ctx: Context) => remove(ctx, args.id);
