import { hashPassword, PASSWORD_MAX, parsePassword, verifyPassword } from "@taruvi/auth";
import { AppError, badUserInput } from "@taruvi/errors";
import { requireActor } from "@taruvi/subgraph-kit";
import { parseEmail } from "@taruvi/validation";
import type { Context } from "../../context";
import { emailVerificationLink } from "../email/email-verification";
import { rows, scopeName, sendEmailInTransaction, tablesOf } from "../email/one-time-tokens";
import { emailMustBeFree, personalWords } from "../users/user-input";
import type { UserView } from "../users/user-views";
import { auditedScopeChange, type Principal, type Scope, scopeOf } from "./scope";
import {
  type AuthPayload,
  denyFamilies,
  issueTokens,
  revokeAllSessions,
  type StartedSession,
  startSession,
} from "./sessions";
import { recordLockout } from "./sign-in";

/**
 * The signed-in user (or account) of this scope, after their current password was checked.
 * Guessing it from a stolen access token counts against the same limits as signing in.
 */
const confirmedPrincipal = async (ctx: Context, currentPassword: unknown): Promise<Principal> => {
  const actor = requireActor(ctx);
  if (actor.type === "api_key") throw new AppError("FORBIDDEN", "an API key has no password or email");
  if (typeof currentPassword !== "string" || currentPassword === "") {
    throw badUserInput("currentPassword", "is required");
  }
  const scope = scopeOf(ctx);
  const principal = await scope.findById(actor.id);
  if (!principal?.isActive) throw new AppError("UNAUTHENTICATED", "sign in required");
  const attempt = await ctx.services.signInLimiter.reserve(
    `${scope.audience}:${principal.email}`,
    ctx.client.ip ?? "unknown",
  );
  const matches =
    currentPassword.length <= PASSWORD_MAX &&
    principal.passwordHash !== null &&
    (await verifyPassword(principal.passwordHash, currentPassword));
  if (!matches) {
    const { lockedOut } = await attempt.fail();
    if (lockedOut) await recordLockout(ctx, principal.id);
    throw badUserInput("currentPassword", "is not your current password");
  }
  await attempt.succeed();
  return principal;
};

/** Ends every session of the principal and starts the one this response carries. */
const restartSessions = async (ctx: Context, scope: Scope, id: string) => {
  const ended = await revokeAllSessions(scope, id);
  const started = await startSession(ctx, scope, id);
  return { ended, started };
};

/** After the change commits: the ended families are refused everywhere; the new session's tokens. */
const newSessionAfter = async (
  ctx: Context,
  what: string,
  { user, ended, started }: { user: UserView; ended: string[]; started: StartedSession },
): Promise<AuthPayload> => {
  await denyFamilies(ctx, ended);
  ctx.logger.info({ userId: user.id, families: ended.length }, `${what}; other sessions ended`);
  return issueTokens(ctx, scopeOf(ctx).audience, user, started);
};

/**
 * Changes the caller's own password, given the current one (BAD_USER_INPUT on
 * `currentPassword` when wrong; the same limits as signing in). Every session of the caller
 * ends — a thief holding one is out — and the response is a new session, in one transaction with
 * the `user.password_changed` event (the password only as `{ changed: true }`).
 */
export const changeMyPassword = async (
  ctx: Context,
  input: { currentPassword?: unknown; newPassword?: unknown },
): Promise<AuthPayload> => {
  const principal = await confirmedPrincipal(ctx, input.currentPassword);
  const newPassword = parsePassword(
    input.newPassword,
    "newPassword",
    personalWords(principal.email, principal.name),
  );
  const passwordHash = await hashPassword(newPassword);
  const changed = await auditedScopeChange(ctx, async (scope) => {
    const user = await scope.setCredentials(principal.id, { passwordHash });
    const { ended, started } = await restartSessions(ctx, scope, principal.id);
    return {
      result: { user, ended, started },
      audit: {
        action: "user.password_changed",
        entityType: "User",
        entityId: principal.id,
        changes: { password: { changed: true } },
      },
    };
  });
  return newSessionAfter(ctx, "password changed", changed);
};

/**
 * Changes the caller's own email, given their current password. The new address is unverified
 * (a verification link goes to it; earlier verification links stop working), the old address is
 * told of the change, every session ends and the response is a new session — all in one
 * transaction with the `user.email_changed` event. CONFLICT on `newEmail` when it is taken.
 */
export const changeMyEmail = async (
  ctx: Context,
  input: { currentPassword?: unknown; newEmail?: unknown },
): Promise<AuthPayload> => {
  const newEmail = parseEmail(input.newEmail, "newEmail");
  const principal = await confirmedPrincipal(ctx, input.currentPassword);
  if (newEmail === principal.email) throw badUserInput("newEmail", "is already your email");
  const tables = tablesOf(ctx);
  const changed = await emailMustBeFree(
    () =>
      auditedScopeChange(ctx, async (scope, tx) => {
        const user = await scope.setCredentials(principal.id, { email: newEmail });
        await rows(
          tx,
          `UPDATE ${tables.tokens} SET used_at = now()
           WHERE ${tables.owner} = $1::uuid AND purpose = 'EMAIL_VERIFICATION' AND used_at IS NULL RETURNING id`,
          principal.id,
        );
        await emailVerificationLink(ctx, tx, user);
        await sendEmailInTransaction(ctx, tx, {
          to: principal.email,
          subject: "Your email address was changed",
          text: [
            `Hello ${principal.name},`,
            "",
            `The email address of your account on ${scopeName(ctx)} was changed from ${principal.email}`,
            `to ${newEmail}, and every session was signed out. If this was not you, contact your administrator.`,
          ].join("\n"),
        });
        const { ended, started } = await restartSessions(ctx, scope, principal.id);
        return {
          result: { user, ended, started },
          audit: {
            action: "user.email_changed",
            entityType: "User",
            entityId: principal.id,
            changes: {
              email: { before: principal.email, after: newEmail },
              ...(principal.emailVerified ? { emailVerified: { before: true, after: false } } : {}),
            },
          },
        };
      }),
    "newEmail",
  );
  return newSessionAfter(ctx, "email changed", changed);
};
