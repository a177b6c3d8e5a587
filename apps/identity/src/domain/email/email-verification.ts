import type { SqlExecutor } from "@taruvi/db";
import { AppError } from "@taruvi/errors";
import { requireActor } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { auditedScopeChange, scopeOf } from "../sessions/scope";
import {
  createOneTimeToken,
  linkTo,
  principalMustBeActive,
  rows,
  scopeName,
  sendEmailInTransaction,
  tablesOf,
  useOneTimeToken,
} from "./one-time-tokens";

/** Queues a verification email with a new single-use token (1 hour), in the caller's transaction. */
export const emailVerificationLink = async (
  ctx: Context,
  tx: SqlExecutor,
  to: { id: string; email: string; name: string },
): Promise<void> => {
  const token = await createOneTimeToken(tx, tablesOf(ctx), "EMAIL_VERIFICATION", to.id);
  await sendEmailInTransaction(ctx, tx, {
    to: to.email,
    subject: "Confirm your email address",
    text: [
      `Hello ${to.name},`,
      "",
      `Please confirm that ${to.email} is your email address on ${scopeName(ctx)}.`,
      "Open this link within one hour (it works once):",
      "",
      linkTo(ctx, "verify-email", token),
      "",
      "If you did not ask for this, ignore this email.",
    ].join("\n"),
  });
};

/**
 * Emails the signed-in user of this scope a single-use verification link (1 hour); the token
 * row, the email job and the `user.email_verification_requested` event commit together. Already
 * verified: true and nothing is sent (the event is still written: the request succeeded).
 */
export const requestEmailVerification = async (ctx: Context): Promise<boolean> => {
  const actor = requireActor(ctx);
  if (actor.type === "api_key") throw new AppError("FORBIDDEN", "an API key has no email address to verify");
  const principal = await scopeOf(ctx).findById(actor.id);
  if (!principal?.isActive) throw new AppError("UNAUTHENTICATED", "sign in required");

  await auditedScopeChange(ctx, async (_scope, tx) => {
    if (!principal.emailVerified) await emailVerificationLink(ctx, tx, principal);
    return {
      result: true,
      audit: { action: "user.email_verification_requested", entityType: "User", entityId: principal.id },
    };
  });
  ctx.logger.info({ userId: principal.id, sent: !principal.emailVerified }, "email verification requested");
  return true;
};

/**
 * Confirms the email of the token's user, in one transaction with its `user.email_verified`
 * event (the user as actor); BAD_USER_INPUT on `token` when it is not usable.
 */
export const verifyEmail = async (ctx: Context, token: unknown): Promise<boolean> => {
  const tables = tablesOf(ctx);
  const owner = await auditedScopeChange(ctx, async (scope, tx) => {
    const principalId = await useOneTimeToken(tx, tables, "EMAIL_VERIFICATION", token);
    const updated = await rows<{ wasVerified: boolean }>(
      tx,
      `UPDATE ${tables.principals} AS p
       SET email_verified_at = coalesce(p.email_verified_at, now()), updated_at = now()
       FROM (SELECT id, email_verified_at IS NOT NULL AS verified FROM ${tables.principals} WHERE id = $1::uuid FOR UPDATE) AS old
       WHERE p.id = old.id AND p.is_active
       RETURNING old.verified AS "wasVerified"`,
      principalId,
    );
    principalMustBeActive(updated);
    const wasVerified = updated[0]?.wasVerified === true;
    return {
      result: principalId,
      audit: {
        action: "user.email_verified",
        entityType: "User",
        entityId: principalId,
        actor: { type: scope.actorType, id: principalId },
        changes: wasVerified ? null : { emailVerified: { before: false, after: true } },
      },
    };
  });
  ctx.logger.info({ userId: owner }, "email verified");
  return true;
};
