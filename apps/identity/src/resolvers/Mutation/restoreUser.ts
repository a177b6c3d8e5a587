import type { Context } from "../../context";
import { restoreUser as restore } from "../../domain/users/deactivate-user";

export const restoreUser = (_: unknown, args: { id: string }, ctx: Context) => restore(ctx, args.id);
