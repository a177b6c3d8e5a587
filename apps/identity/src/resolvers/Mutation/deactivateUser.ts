import type { Context } from "../../context";
import { deactivateUser as deactivate } from "../../domain/users/deactivate-user";

export const deactivateUser = (_: unknown, args: { id: string }, ctx: Context) => deactivate(ctx, args.id);
