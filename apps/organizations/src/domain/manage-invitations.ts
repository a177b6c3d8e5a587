import { conflict, notFound } from "@taruvi/errors";
import { assertMemberCapacity, type PlatformDb } from "@taruvi/limits";
import { invitationStatus, requireOrganizationPermission } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { lockOrganization, requirePlatformAccount } from "./caller";
import { newInvitationToken, sendInvitationEmail } from "./invitation-email";
import { assertNotMember, requireInvitationRole } from "./invite-member";

/**
 * An invitation the caller may manage (`invite_members`, and for an ADMIN or OWNER invitation
 * what requireInvitationRole asks); NOT_FOUND when it does not exist or its organization is not
 * visible to them.
 */
const getManagedInvitation = async (ctx: Context, idInput: unknown) => {
  const actor = requirePlatformAccount(ctx);
  const id = parseUuid(idInput, "id");
  const found = await ctx.platform.invitation.findUnique({ where: { id } });
  if (!found) throw notFound("invitation");
  const access = await requireOrganizationPermission(
    ctx,
    found.organizationId,
    "invite_members",
    "invitation",
  );
  requireInvitationRole(access, found.role);
  return { actor, id, organizationId: found.organizationId };
};

/** Re-reads the invitation with the organization locked; CONFLICT on `id` once accepted. */
const lockInvitation = async (tx: PlatformDb, organizationId: string, id: string) => {
  await lockOrganization(tx, organizationId);
  const invitation = await tx.invitation.findUniqueOrThrow({ where: { id } });
  const status = invitationStatus(invitation);
  if (status === "ACCEPTED") throw conflict("id", "this invitation was already accepted");
  return { invitation, status };
};

/**
 * A new token and seven more days for a pending or expired invitation, emailed again; the old
 * link stops working. Revoked: CONFLICT (invite again). An expired one counts against the plan
 * again, so the member limit is checked.
 */
export const resendInvitation = async (ctx: Context, idInput: unknown) => {
  const { actor, id, organizationId } = await getManagedInvitation(ctx, idInput);
  return auditedPlatformChange(ctx, async (tx) => {
    const { invitation, status } = await lockInvitation(tx, organizationId, id);
    if (status === "REVOKED") throw conflict("id", "this invitation was revoked: invite the address again");
    await assertNotMember(tx, organizationId, invitation.email);
    await assertMemberCapacity(tx, organizationId, { exceptInvitationId: id });
    const { token, tokenHash, expiresAt } = newInvitationToken();
    const updated = await tx.invitation.update({
      where: { id },
      data: { tokenHash, expiresAt, invitedById: actor.id },
    });
    await sendInvitationEmail(ctx, tx, updated, token, actor.id);
    // tokenHash is a secret field: the event says it changed, never its value.
    return {
      result: updated,
      audit: {
        action: "invitation.resent",
        entityType: "Invitation",
        entityId: id,
        organizationId,
        changes: diff({ ...invitation, status }, { ...updated, status: invitationStatus(updated) }, [
          "status",
          "expiresAt",
          "invitedById",
          "tokenHash",
        ]),
      },
    };
  });
};

/**
 * Withdraws an invitation: its link stops working. Already revoked: unchanged (the event records
 * no change). Accepted: CONFLICT.
 */
export const revokeInvitation = async (ctx: Context, idInput: unknown) => {
  const { id, organizationId } = await getManagedInvitation(ctx, idInput);
  return auditedPlatformChange(ctx, async (tx) => {
    const { invitation, status } = await lockInvitation(tx, organizationId, id);
    const updated =
      status === "REVOKED"
        ? invitation
        : await tx.invitation.update({ where: { id }, data: { revokedAt: new Date() } });
    return {
      result: updated,
      audit: {
        action: "invitation.revoked",
        entityType: "Invitation",
        entityId: id,
        organizationId,
        changes: diff({ status }, { status: invitationStatus(updated) }),
      },
    };
  });
};
