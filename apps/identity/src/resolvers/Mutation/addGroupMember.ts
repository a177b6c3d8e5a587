import type { Context } from "../../context";
import { addGroupMember as add } from "../../domain/groups/group-members";

export const addGroupMember = (_: unknown, args: { groupId: string; userId: string }, ctx: Context) =>
  add(ctx, args.groupId, args.userId);
