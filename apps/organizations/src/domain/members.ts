import type { OrganizationRole } from "@taruvi/auth";
import { conflict, notFound } from "@taruvi/errors";
import type { PlatformDb } from "@taruvi/limits";
import { requireMemberRemoval, requireOrganizationPermission, requireRoleChange } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { lockOrganization, requirePlatformAccount } from "./caller";

type MemberArgs = { organizationId: unknown; userId: unknown };

const parseMemberArgs = (args: MemberArgs) => ({
  organizationId: parseUuid(args.organizationId, "organizationId"),
  userId: parseUuid(args.userId, "userId"),
});

const findMember = async (tx: PlatformDb, organizationId: string, accountId: string) => {
  const member = await tx.organizationMember.findUnique({
    where: { organizationId_accountId: { organizationId, accountId } },
  });
  if (!member) throw notFound("member");
  return member;
};

/** CONFLICT unless someone other than `accountId` is an OWNER (call with the organization locked). */
const assertAnotherOwner = async (tx: PlatformDb, organizationId: string, accountId: string) => {
  const others = await tx.organizationMember.count({
    where: { organizationId, role: "OWNER", accountId: { not: accountId } },
  });
  if (others === 0) {
    throw conflict("userId", "an organization needs an owner: make another member OWNER first");
  }
};

/**
 * Gives a member another role. Admins move members between ADMIN and MEMBER; only owners (and
 * superusers) grant or take away OWNER. The last owner cannot be demoted (CONFLICT); concurrent
 * changes serialize on the organization's row. One `member.role_changed` event (no changes when
 * the member already had the role).
 */
export const updateMemberRole = async (ctx: Context, args: MemberArgs & { role: OrganizationRole }) => {
  requirePlatformAccount(ctx);
  const { organizationId, userId } = parseMemberArgs(args);
  const access = await requireOrganizationPermission(ctx, organizationId, "manage_members");
  return auditedPlatformChange(ctx, async (tx) => {
    await lockOrganization(tx, organizationId);
    const member = await findMember(tx, organizationId, userId);
    requireRoleChange(access, member.role, args.role);
    if (member.role !== args.role && member.role === "OWNER") {
      await assertAnotherOwner(tx, organizationId, userId);
    }
    const updated =
      member.role === args.role
        ? member
        : await tx.organizationMember.update({ where: { id: member.id }, data: { role: args.role } });
    return {
      result: updated,
      audit: {
        action: "member.role_changed",
        entityType: "OrganizationMember",
        entityId: userId,
        organizationId,
        changes: diff(member, updated, ["role"]),
      },
    };
  });
};

/**
 * Removes a member: owners and admins remove others (only owners remove an owner); anyone who
 * can see the organization may remove themselves (leave). The last owner cannot be removed.
 */
export const removeMember = async (ctx: Context, args: MemberArgs): Promise<boolean> => {
  const actor = requirePlatformAccount(ctx);
  const { organizationId, userId } = parseMemberArgs(args);
  const self = userId === actor.id;
  const access = await requireOrganizationPermission(ctx, organizationId, self ? "read" : "manage_members");
  await auditedPlatformChange(ctx, async (tx) => {
    await lockOrganization(tx, organizationId);
    const member = await findMember(tx, organizationId, userId);
    requireMemberRemoval(access, { role: member.role, self });
    if (member.role === "OWNER") await assertAnotherOwner(tx, organizationId, userId);
    await tx.organizationMember.delete({ where: { id: member.id } });
    return {
      result: undefined,
      audit: {
        action: "member.removed",
        entityType: "OrganizationMember",
        entityId: userId,
        organizationId,
        changes: diff({ role: member.role }, null),
      },
    };
  });
  ctx.logger.info({ organizationId, userId }, "member removed");
  return true;
};
