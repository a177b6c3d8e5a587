import type { OrganizationAccess, OrganizationRole } from "@taruvi/auth";
import { conflict } from "@taruvi/errors";
import { assertMemberCapacity, type PlatformDb } from "@taruvi/limits";
import { requireOrganizationPermission, requireRoleChange } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { parseEmail, parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { lockOrganization, requirePlatformAccount } from "./caller";
import { newInvitationToken, sendInvitationEmail } from "./invitation-email";

export type InviteMemberInput = { organizationId: unknown; email: unknown; role?: OrganizationRole | null };

/** CONFLICT on `email` when that address is already a member of the organization. */
export const assertNotMember = async (tx: PlatformDb, organizationId: string, email: string) => {
  const member = await tx.organizationMember.findFirst({
    where: { organizationId, account: { email } },
    select: { id: true },
  });
  if (member) throw conflict("email", `${email} is already a member of this organization`);
};

/**
 * FORBIDDEN unless the caller (who holds `invite_members`) may hand out `role`: MEMBER needs no
 * more, so a grantee of invite_members invites members; ADMIN needs `manage_members` (owners,
 * admins) and OWNER `manage_owners` (owners), as changing a member's role would.
 */
export const requireInvitationRole = (access: OrganizationAccess, role: OrganizationRole): void => {
  if (role !== "MEMBER") requireRoleChange(access, null, role);
};

/**
 * Invites an email address (`invite_members`: owners, admins and grantees; ADMIN and OWNER
 * invitations: see requireInvitationRole). In one transaction, with the organization locked:
 * CONFLICT when already a member or invited, CONFLICT on `plan` at the member limit, then the
 * invitation row (token hashed, 7 days), its email job and its `invitation.created` event.
 */
export const inviteMember = async (ctx: Context, input: InviteMemberInput) => {
  const actor = requirePlatformAccount(ctx);
  const organizationId = parseUuid(input.organizationId, "organizationId");
  const email = parseEmail(input.email);
  const role = input.role ?? "MEMBER";
  const access = await requireOrganizationPermission(ctx, organizationId, "invite_members");
  requireInvitationRole(access, role);

  const invitation = await auditedPlatformChange(ctx, async (tx) => {
    await lockOrganization(tx, organizationId);
    await assertNotMember(tx, organizationId, email);
    const pending = await tx.invitation.findFirst({
      where: { organizationId, email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      select: { id: true },
    });
    if (pending) throw conflict("email", `${email} is already invited: resend or revoke that invitation`);
    await assertMemberCapacity(tx, organizationId);
    const { token, tokenHash, expiresAt } = newInvitationToken();
    const created = await tx.invitation.create({
      data: { organizationId, email, role, tokenHash, expiresAt, invitedById: actor.id },
    });
    await sendInvitationEmail(ctx, tx, created, token, actor.id);
    // The email and role only: the token is in the email alone, its hash nowhere but the row.
    return {
      result: created,
      audit: {
        action: "invitation.created",
        entityType: "Invitation",
        entityId: created.id,
        organizationId,
        changes: diff(null, { email, role }),
      },
    };
  });
  ctx.logger.info({ organizationId, invitationId: invitation.id }, "member invited");
  return invitation;
};
