import { hashPassword, parsePassword } from "@taruvi/auth";
import { badUserInput } from "@taruvi/errors";
import { parseDisplayName, parseEmail } from "@taruvi/tenancy";
import type { Context, UserView } from "../context";
import { recordAudit } from "./audit";
import { getSiteUser } from "./find-users";
import { requireSiteAdmin, SCOPES } from "./permissions";
import { scopeOf } from "./scope";
import { endAllSessions } from "./sessions";
import { emailMustBeFree, personalWords } from "./user-input";
import { USER_VIEW, userView } from "./user-views";

export type UpdateUserInput = { name?: unknown; email?: unknown; password?: unknown; isAdmin?: unknown };

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * Changes a site user's name, email, password or admin flag (omitted fields stay). A new
 * password ends every session of the user. Admins cannot take their own admin flag away.
 */
export const updateUser = async (ctx: Context, id: unknown, input: UpdateUserInput): Promise<UserView> => {
  const actor = await requireSiteAdmin(ctx, SCOPES.manageUsers);
  const before = await getSiteUser(ctx, id);
  const name = given(input.name) ? parseDisplayName(input.name) : before.name;
  const email = given(input.email) ? parseEmail(input.email) : before.email;
  const password = given(input.password)
    ? parsePassword(input.password, "password", personalWords(email, name))
    : null;
  let isAdmin = before.isAdmin;
  if (given(input.isAdmin)) {
    if (typeof input.isAdmin !== "boolean") throw badUserInput("isAdmin", "must be true or false");
    if (actor.id === before.id && !input.isAdmin) {
      throw badUserInput("isAdmin", "you cannot remove your own administrator rights");
    }
    isAdmin = input.isAdmin;
  }
  const passwordHash = password === null ? undefined : await hashPassword(password);
  // A new address is unverified until its owner confirms it.
  const emailChanged = email !== before.email;
  const after = userView(
    await emailMustBeFree(() =>
      ctx.db.user.update({
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
    ),
  );
  if (emailChanged) {
    await ctx.db.oneTimeToken.updateMany({
      where: { userId: before.id, purpose: "EMAIL_VERIFICATION", usedAt: null },
      data: { usedAt: new Date() },
    });
  }
  if (passwordHash) await endAllSessions(ctx, scopeOf(ctx), before.id);

  const changes: Record<string, { before: string | boolean; after: string | boolean } | string> = {};
  for (const field of ["name", "email", "isAdmin"] as const) {
    if (before[field] !== after[field]) changes[field] = { before: before[field], after: after[field] };
  }
  if (passwordHash) changes.password = "changed";
  if (Object.keys(changes).length > 0) {
    await recordAudit(ctx, { action: "user.updated", entityType: "User", entityId: before.id, changes });
  }
  return after;
};
