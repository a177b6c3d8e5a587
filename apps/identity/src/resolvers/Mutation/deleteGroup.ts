import type { Context } from "../../context";
import { deleteGroup as remove } from "../../domain/groups/groups";

export const deleteGroup = (_: unknown, args: { id: string }, ctx: Context) => remove(ctx, args.id);
