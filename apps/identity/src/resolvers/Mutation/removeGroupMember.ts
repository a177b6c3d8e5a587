import type { Context } from "../../context";
import { removeGroupMember as remove } from "../../domain/groups/group-members";

export const removeGroupMember = (_: unknown, args: { groupId: string; userId: string }, ctx: Context) =>
  remove(ctx, args.groupId, args.userId);
