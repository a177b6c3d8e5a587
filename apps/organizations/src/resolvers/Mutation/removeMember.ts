import type { Context } from "../../context";
import { removeMember as remove } from "../../domain/members";

export const removeMember = (_: unknown, args: { organizationId: string; userId: string }, ctx: Context) =>
  remove(ctx, args);
