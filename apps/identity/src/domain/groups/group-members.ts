import { isSitePermission } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { auditedSiteChange } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { getSiteUser } from "../users/find-users";
import type { GroupView } from "./group-views";
import { getGroup } from "./groups";

/**
 * Adding someone to a group hands them what the group carries, so the caller must hold every
 * permission of the group (on the same object, or model-wide): FORBIDDEN otherwise. Admins hold all.
 */
const requireHoldsGroupPermissions = async (ctx: Context, groupId: string): Promise<void> => {
  const access = await ctx.access.site();
  if (access.admin) return;
  const grants = await ctx.db.permissionGrant.findMany({
    where: { groupId },
    select: { permission: true, objectType: true, objectId: true },
  });
  const lacking = grants.filter(
    (g) =>
      isSitePermission(g.permission) &&
      !access.has(
        g.permission,
        g.objectType && g.objectId ? { type: g.objectType, id: g.objectId } : undefined,
      ),
  );
  if (lacking.length > 0) {
    const names = [...new Set(lacking.map((g) => g.permission))].sort().join(", ");
    throw new AppError("FORBIDDEN", `the group carries ${names}, which you do not hold`);
  }
};

/**
 * Makes a user of the site a member of a group (groups.manage on the group or model-wide, and
 * every permission the group carries). Already a member: the group as it is, and an event
 * without changes. Recorded as `group.member_added` on the group.
 */
export const addGroupMember = async (ctx: Context, groupId: unknown, userId: unknown): Promise<GroupView> => {
  const group = await getGroup(ctx.db, groupId);
  const user = await getSiteUser(ctx, userId);
  await requireHoldsGroupPermissions(ctx, group.id);
  return auditedSiteChange(ctx, async (tx) => {
    const current = await getGroup(tx, group.id);
    const added = await tx.groupMember.createMany({
      data: [{ groupId: current.id, userId: user.id }],
      skipDuplicates: true,
    });
    return {
      result: current,
      audit: {
        action: "group.member_added",
        entityType: "Group",
        entityId: current.id,
        changes: added.count > 0 ? { member: { before: null, after: user.id } } : null,
      },
    };
  });
};

/**
 * Takes a user out of a group (groups.manage on the group or model-wide); they lose what they
 * held through it on their next request. Not a member: the group as it is, and an event without
 * changes. Recorded as `group.member_removed` on the group.
 */
export const removeGroupMember = async (
  ctx: Context,
  groupId: unknown,
  userId: unknown,
): Promise<GroupView> => {
  const group = await getGroup(ctx.db, groupId);
  const user = await getSiteUser(ctx, userId);
  return auditedSiteChange(ctx, async (tx) => {
    const current = await getGroup(tx, group.id);
    const removed = await tx.groupMember.deleteMany({ where: { groupId: current.id, userId: user.id } });
    return {
      result: current,
      audit: {
        action: "group.member_removed",
        entityType: "Group",
        entityId: current.id,
        changes: removed.count > 0 ? { member: { before: user.id, after: null } } : null,
      },
    };
  });
};
