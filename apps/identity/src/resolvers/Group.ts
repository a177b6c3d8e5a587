import type { Context } from "../context";
import type { GroupView } from "../domain/groups/group-views";
import { findGroupEntity } from "../domain/groups/groups";

export const Group = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findGroupEntity(ctx, ref.id),
  members: async (group: GroupView, _: unknown, ctx: Context) =>
    (await ctx.loaders.groupMembers.load(group.id)).map((m) => m.user),
  permissions: async (group: GroupView, _: unknown, ctx: Context) =>
    (await ctx.loaders.groupGrants.load(group.id)).map((g) => g.grant),
  createdAt: (group: GroupView) => group.createdAt.toISOString(),
};
