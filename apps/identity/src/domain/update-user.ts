import { hashPassword, parsePassword } from "@taruvi/auth";
import { badUserInput } from "@taruvi/errors";
import { auditedSiteChange, diff } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseEmail } from "@taruvi/tenancy";
import type { Context, UserView } from "../context";
import { getSiteUser } from "./find-users";
import { siteScopeIn } from "./scope";
import { denyFamilies, revokeAllSessions } from "./sessions";
import { requireSiteAdmin } from "./site-admin";
import { emailMustBeFree, personalWords } from "./user-input";
import { USER_VIEW, userView } from "./user-views";

export type UpdateUserInput = { name?: unknown; email?: unknown; password?: unknown; isAdmin?: unknown };

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * Changes a site user's name, email, password or admin flag (omitted fields stay), recorded as
 * `user.updated` with the changed fields (a new password as `{ changed: true }`) in the same
 * transaction. A new password ends every session of the user. Changing an administrator, or who
 * is one, takes a site administrator; administrators cannot take their own admin flag away.
 */
export const updateUser = async (ctx: Context, id: unknown, input: UpdateUserInput): Promise<UserView> => {
  const current = await getSiteUser(ctx.db, id);
  if (current.isAdmin) await requireSiteAdmin(ctx, "change an administrator");
  const name = given(input.name) ? parseDisplayName(input.name) : current.name;
  const email = given(input.email) ? parseEmail(input.email) : current.email;
  const password = given(input.password)
    ? parsePassword(input.password, "password", personalWords(email, name))
    : null;
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
  const passwordHash = password === null ? undefined : await hashPassword(password);

  const { user, families } = await emailMustBeFree(() =>
    auditedSiteChange(ctx, async (tx) => {
      const before = await getSiteUser(tx, current.id);
      // A new address is unverified until its owner confirms it.
      const emailChanged = email !== before.email;
      const after = userView(
        await tx.user.update({
          where: { id: before.id },
          data: {
            name,
            email,
            isAdmin,
            ...(passwordHash ? { passwordHash } : {}),
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
      const ended = passwordHash ? await revokeAllSessions(siteScopeIn(ctx, tx), before.id) : [];
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
          changes: passwordHash ? { ...changes, password: { changed: true } } : changes,
        },
      };
    }),
  );
  await denyFamilies(ctx, families);
  if (families.length > 0)
    ctx.logger.info({ userId: user.id, families: families.length }, "all sessions ended");
  return user;
};
