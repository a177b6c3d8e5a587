import { hashPassword, parsePassword } from "@taruvi/auth";
import type { SqlExecutor } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import { parseEmail } from "@taruvi/validation";
import type { Context } from "../../context";
import { auditedScopeChange, scopeOf } from "../sessions/scope";
import { denyFamilies } from "../sessions/sessions";
import { getSiteUser } from "../users/find-users";
import { requireSiteAdmin } from "../users/site-admin";
import { personalWords } from "../users/user-input";
import {
  createOneTimeToken,
  linkTo,
  peekOneTimeToken,
  principalMustBeActive,
  rows,
  scopeClient,
  scopeName,
  sendEmailInTransaction,
  tablesOf,
  useOneTimeToken,
} from "./one-time-tokens";

/**
 * Both answers of requestPasswordReset take at least this long, so the response time does not
 * tell whether the email belongs to someone (the known path enqueues an email, ~10 ms).
 */
const RESPONSE_FLOOR_MS = 150;

const waitUntil = async (deadline: number) => {
  const left = deadline - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
};

/** Queues the reset email with a new single-use token (1 hour), in the caller's transaction. */
const emailResetLink = async (
  ctx: Context,
  tx: SqlExecutor,
  to: { id: string; email: string; name: string },
): Promise<void> => {
  const token = await createOneTimeToken(tx, tablesOf(ctx), "PASSWORD_RESET", to.id);
  await sendEmailInTransaction(ctx, tx, {
    to: to.email,
    subject: "Reset your password",
    text: [
      `Hello ${to.name},`,
      "",
      `Someone, hopefully you, asked to reset the password of ${to.email} on ${scopeName(ctx)}.`,
      "Open this link within one hour to choose a new password (it works once):",
      "",
      linkTo(ctx, "reset-password", token),
      "",
      "If it was not you, ignore this email: your password stays as it is.",
    ].join("\n"),
  });
};

/**
 * Emails a single-use reset link (1 hour) to an active user of the scope with this email. The
 * token row, the email job and the `user.password_reset_requested` event commit together. Always
 * true, and always one event: for an unknown or inactive email its entityId is null (the email
 * itself is never recorded), so neither the answer nor the trail's shape tells who exists.
 */
export const requestPasswordReset = async (ctx: Context, emailInput: unknown): Promise<boolean> => {
  const deadline = Date.now() + RESPONSE_FLOOR_MS;
  const email = parseEmail(emailInput);
  const scope = scopeOf(ctx);
  const principal = await scope.findByEmail(email);
  // One address receives a few reset emails an hour at most, whoever asks: past that the answer
  // and the event are the same, and nothing is sent (anonymous callers cannot flood a mailbox).
  const withinBudget =
    principal?.isActive === true &&
    (await ctx.services.resetEmailLimiter.consume(`${scope.audience}:${email}`).then(
      () => true,
      (error: unknown) => {
        if (error instanceof Error) throw error;
        return false;
      },
    ));
  const known = withinBudget ? principal : null;
  await auditedScopeChange(ctx, async (_scope, tx) => {
    if (known) await emailResetLink(ctx, tx, known);
    return {
      result: true,
      audit: { action: "user.password_reset_requested", entityType: "User", entityId: known?.id ?? null },
    };
  });
  if (known) ctx.logger.info({ userId: known.id }, "password reset requested");
  else if (principal?.isActive)
    ctx.logger.info({ userId: principal.id }, "password reset not sent: hourly budget spent");
  else ctx.logger.info("password reset requested for an unknown or inactive email");
  await waitUntil(deadline);
  return true;
};

/**
 * A manager's way to help a user who lost their password (users.manage on that user; an
 * administrator's only by an administrator): the reset link goes to the user's own address, so
 * the manager never learns or sets the password. The token, the email and the
 * `user.password_reset_requested` event (the manager as actor) commit together.
 */
export const sendPasswordReset = async (ctx: Context, userId: unknown): Promise<boolean> => {
  const user = await getSiteUser(ctx, userId);
  if (user.isAdmin) await requireSiteAdmin(ctx, "send a password reset to an administrator");
  if (!user.isActive) throw conflict("userId", "the user is deactivated: restore them first");
  await auditedScopeChange(ctx, async (_scope, tx) => {
    await emailResetLink(ctx, tx, user);
    return {
      result: true,
      audit: { action: "user.password_reset_requested", entityType: "User", entityId: user.id },
    };
  });
  ctx.logger.info({ userId: user.id }, "password reset sent by a manager");
  return true;
};

/**
 * Sets a new password with a reset token, in one transaction with its `user.password_reset`
 * event (the user as actor; the password only as `{ changed: true }`): the token is used (and
 * every other reset token of the user with it), the argon2id hash replaced, the email counted as
 * verified (the link reached it), and every session revoked; their access tokens are then
 * refused by every gateway. A password that fails the policy leaves the token usable.
 */
export const resetPassword = async (
  ctx: Context,
  input: { token: unknown; password: unknown },
): Promise<boolean> => {
  const tables = tablesOf(ctx);
  const principalId = await peekOneTimeToken(scopeClient(ctx), tables, "PASSWORD_RESET", input.token);
  const principal = await scopeOf(ctx).findById(principalId);
  const words = principal ? personalWords(principal.email, principal.name) : [];
  const passwordHash = await hashPassword(parsePassword(input.password, "password", words));

  const reset = await auditedScopeChange(ctx, async (scope, tx) => {
    const owner = await useOneTimeToken(tx, tables, "PASSWORD_RESET", input.token);
    const updated = await rows<{ wasVerified: boolean }>(
      tx,
      `UPDATE ${tables.principals} AS p
       SET password_hash = $2, email_verified_at = coalesce(p.email_verified_at, now()), updated_at = now()
       FROM (SELECT id, email_verified_at IS NOT NULL AS verified FROM ${tables.principals} WHERE id = $1::uuid FOR UPDATE) AS old
       WHERE p.id = old.id AND p.is_active
       RETURNING old.verified AS "wasVerified"`,
      owner,
      passwordHash,
    );
    principalMustBeActive(updated);
    await rows(
      tx,
      `UPDATE ${tables.tokens} SET used_at = now()
       WHERE ${tables.owner} = $1::uuid AND purpose = 'PASSWORD_RESET' AND used_at IS NULL RETURNING id`,
      owner,
    );
    // Every family with a live refresh token; a family with a live access token has one too.
    const revoked = await rows<{ familyId: string }>(
      tx,
      `UPDATE ${tables.sessions} SET revoked_at = now() WHERE ${tables.owner} = $1::uuid AND revoked_at IS NULL
       RETURNING family_id::text AS "familyId"`,
      owner,
    );
    const wasVerified = updated[0]?.wasVerified === true;
    return {
      result: { owner, familyIds: revoked.map((row) => row.familyId) },
      audit: {
        action: "user.password_reset",
        entityType: "User",
        entityId: owner,
        actor: { type: scope.actorType, id: owner },
        changes: {
          password: { changed: true },
          ...(wasVerified ? {} : { emailVerified: { before: false, after: true } }),
        },
      },
    };
  });

  await denyFamilies(ctx, reset.familyIds);
  ctx.logger.info({ userId: reset.owner, families: reset.familyIds.length }, "password reset");
  return true;
};
