import { badUserInput } from "@taruvi/errors";
import { auditedSiteChange, diff } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseEmail } from "@taruvi/validation";
import type { Context } from "../../context";
import { siteScopeIn } from "../sessions/scope";
import { denyFamilies, revokeAllSessions } from "../sessions/sessions";
import { getSiteUser, getSiteUserIn } from "./find-users";
import { requireSiteAdmin } from "./site-admin";
import { requireHoldsWhatTheyHold } from "./target-access";
import { emailMustBeFree } from "./user-input";
import { USER_VIEW, type UserView, userView } from "./user-views";

export type UpdateUserInput = { name?: unknown; email?: unknown; password?: unknown; isAdmin?: unknown };

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * Changes a site user's name, email or admin flag (omitted fields stay), recorded as
 * `user.updated` with the changed fields in the same transaction.
 *
 * Credentials are guarded against takeover: nobody sets another user's password (a manager sends
 * a reset link with sendPasswordReset; users change their own with changeMyPassword); a new
 * email for someone else takes everything they hold (an administrator's, an administrator), ends
 * every session of theirs and is unverified until confirmed; your own email changes only with
 * changeMyEmail (it asks for your password). Making or unmaking an administrator takes a site
 * administrator, and administrators cannot take their own admin flag away.
 */
export const updateUser = async (ctx: Context, id: unknown, input: UpdateUserInput): Promise<UserView> => {
  if (given(input.password)) {
    throw badUserInput(
      "password",
      "updateUser does not set passwords: change your own with changeMyPassword, send anyone else a reset link with sendPasswordReset",
    );
  }
  const current = await getSiteUser(ctx, id);
  if (current.isAdmin) await requireSiteAdmin(ctx, "change an administrator");
  const name = given(input.name) ? parseDisplayName(input.name) : current.name;
  const email = given(input.email) ? parseEmail(input.email) : current.email;
  const emailChanges = email !== current.email;
  if (emailChanges) {
    if (ctx.actor?.id === current.id) {
      throw badUserInput(
        "email",
        "change your own email with changeMyEmail (it asks for your current password)",
      );
    }
    await requireHoldsWhatTheyHold(ctx, current, "change the email of");
  }
  let isAdmin = current.isAdmin;
  if (given(input.isAdmin)) {
    if (typeof input.isAdmin !== "boolean") throw badUserInput("isAdmin", "must be true or false");
    if (input.isAdmin !== current.isAdmin) {
      await requireSiteAdmin(ctx, "make or unmake an administrator", "isAdmin");
      if (ctx.actor?.id === current.id) {
        throw badUserInput("isAdmin", "you cannot remove your own administrator rights");
      }
    }
    isAdmin = input.isAdmin;
  }

  const { user, families } = await emailMustBeFree(() =>
    auditedSiteChange(ctx, async (tx) => {
      const before = await getSiteUserIn(tx, current.id);
      // A new address is unverified until its owner confirms it.
      const emailChanged = email !== before.email;
      const after = userView(
        await tx.user.update({
          where: { id: before.id },
          data: {
            name,
            email,
            isAdmin,
            ...(emailChanged ? { emailVerifiedAt: null } : {}),
          },
          select: USER_VIEW,
        }),
      );
      if (emailChanged) {
        await tx.oneTimeToken.updateMany({
          where: { userId: before.id, purpose: "EMAIL_VERIFICATION", usedAt: null },
          data: { usedAt: new Date() },
        });
      }
      // The email is how the user signs in and recovers the account: a credential change.
      const ended = emailChanged ? await revokeAllSessions(siteScopeIn(ctx, tx), before.id) : [];
      const changes = diff(
        {
          name: before.name,
          email: before.email,
          isAdmin: before.isAdmin,
          emailVerified: before.emailVerified,
        },
        { name: after.name, email: after.email, isAdmin: after.isAdmin, emailVerified: after.emailVerified },
      );
      return {
        result: { user: after, families: ended },
        audit: {
          action: "user.updated",
          entityType: "User",
          entityId: before.id,
          changes,
        },
      };
    }),
  );
  await denyFamilies(ctx, families);
  if (families.length > 0)
    ctx.logger.info({ userId: user.id, families: families.length }, "all sessions ended");
  return user;
};
