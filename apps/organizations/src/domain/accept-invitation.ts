import { hashSecret } from "@taruvi/auth";
import { AppError, badUserInput, conflict } from "@taruvi/errors";
import { invitationStatus } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { lockOrganization, requirePlatformAccount } from "./caller";
import { INVITATION_TOKEN_SHAPE } from "./invitation-email";

const REFUSALS = {
  ACCEPTED: "this invitation was already used",
  REVOKED: "this invitation was revoked",
  EXPIRED: "this invitation expired: ask for a new one",
} as const;

/**
 * Joins the organization with the invitation's role. The caller must be signed in with the
 * invited email (FORBIDDEN otherwise). Unknown, used, revoked or expired token: BAD_USER_INPUT
 * on `token` saying which; already a member: CONFLICT. Of two concurrent uses, one wins. One
 * `invitation.accepted` event records the invitation used and the membership made.
 */
export const acceptInvitation = async (ctx: Context, token: unknown) => {
  const actor = requirePlatformAccount(ctx);
  if (typeof token !== "string" || !INVITATION_TOKEN_SHAPE.test(token)) {
    throw badUserInput("token", "is not a valid invitation token");
  }
  const invitation = await ctx.platform.invitation.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!invitation) {
    throw badUserInput(
      "token",
      "is not a valid invitation token (a re-sent invitation's older links stop working)",
    );
  }
  const status = invitationStatus(invitation);
  if (status !== "PENDING") throw badUserInput("token", REFUSALS[status]);
  const account = await ctx.platform.account.findUnique({ where: { id: actor.id }, select: { email: true } });
  if (account?.email !== invitation.email) {
    throw new AppError("FORBIDDEN", "this invitation is for another email address");
  }
  const { organizationId } = invitation;

  await auditedPlatformChange(ctx, async (tx) => {
    await lockOrganization(tx, organizationId);
    const existing = await tx.organizationMember.findUnique({
      where: { organizationId_accountId: { organizationId, accountId: actor.id } },
      select: { id: true },
    });
    if (existing) throw conflict("token", "you are already a member of this organization");
    const used = await tx.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date() },
    });
    if (used.count === 0) throw badUserInput("token", REFUSALS.ACCEPTED);
    await tx.organizationMember.create({
      data: { organizationId, accountId: actor.id, role: invitation.role },
    });
    // One event for both changes: the invitation used and the membership it made.
    return {
      result: undefined,
      audit: {
        action: "invitation.accepted",
        entityType: "Invitation",
        entityId: invitation.id,
        organizationId,
        changes: diff(
          { status: "PENDING", memberId: null, memberRole: null },
          { status: "ACCEPTED", memberId: actor.id, memberRole: invitation.role },
        ),
      },
    };
  });
  ctx.logger.info({ organizationId, invitationId: invitation.id }, "invitation accepted");
  return ctx.platform.organization.findUniqueOrThrow({ where: { id: organizationId } });
};
