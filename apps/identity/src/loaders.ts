import { byId, groupBy, type RequestContext } from "@taruvi/subgraph-kit";
import { GRANT_SELECT, siteGrantView } from "./domain/access/grant-views";
import { GROUP_VIEW, type GroupView } from "./domain/groups/group-views";
import { findUserViewsById, USER_VIEW, type UserView, userView } from "./domain/users/user-views";

/**
 * Per-request DataLoaders: users by id in the request's scope (site users in a site, accounts on
 * the platform; through node-postgres, decision 0027); groups, their members and the grants they
 * carry (site scope).
 */
export const createLoaders = (ctx: Omit<RequestContext, "loaders" | "services">) => ({
  userById: byId<UserView>((ids) => findUserViewsById(ctx, ids)),
  groupById: byId<GroupView>((ids) =>
    ctx.db.group.findMany({ where: { id: { in: [...ids] } }, select: GROUP_VIEW }),
  ),
  groupMembers: groupBy("groupId", async (groupIds) =>
    (
      await ctx.db.groupMember.findMany({
        where: { groupId: { in: [...groupIds] } },
        orderBy: [{ createdAt: "asc" }, { userId: "asc" }],
        select: { groupId: true, user: { select: USER_VIEW } },
      })
    ).map((m) => ({ groupId: m.groupId, user: userView(m.user) })),
  ),
  groupGrants: groupBy("groupId", async (groupIds) =>
    (
      await ctx.db.permissionGrant.findMany({
        where: { groupId: { in: [...groupIds] } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: GRANT_SELECT,
      })
    ).map((row) => ({ groupId: row.groupId as string, grant: siteGrantView(row) })),
  ),
});
