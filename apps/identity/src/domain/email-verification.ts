import { AppError } from "@taruvi/errors";
import { requireActor } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import {
  createOneTimeToken,
  inScopeTransaction,
  linkTo,
  principalMustBeActive,
  rows,
  scopeName,
  sendEmailInTransaction,
  tablesOf,
  useOneTimeToken,
} from "./one-time-tokens";
import { scopeOf } from "./scope";

/**
 * Emails the signed-in user of this scope a single-use verification link (1 hour); the token
 * row and the email job commit together. Already verified: true, and nothing is sent.
 */
export const requestEmailVerification = async (ctx: Context): Promise<boolean> => {
  const actor = requireActor(ctx);
  if (actor.type === "api_key") throw new AppError("FORBIDDEN", "an API key has no email address to verify");
  const principal = await scopeOf(ctx).findById(actor.id);
  if (!principal?.isActive) throw new AppError("UNAUTHENTICATED", "sign in required");
  if (principal.emailVerified) return true;

  const tables = tablesOf(ctx);
  await inScopeTransaction(ctx, async (tx) => {
    const token = await createOneTimeToken(tx, tables, "EMAIL_VERIFICATION", principal.id);
    await sendEmailInTransaction(ctx, tx, {
      to: principal.email,
      subject: "Confirm your email address",
      text: [
        `Hello ${principal.name},`,
        "",
        `Please confirm that ${principal.email} is your email address on ${scopeName(ctx)}.`,
        "Open this link within one hour (it works once):",
        "",
        linkTo(ctx, "verify-email", token),
        "",
        "If you did not ask for this, ignore this email.",
      ].join("\n"),
    });
  });
  ctx.logger.info({ userId: principal.id }, "email verification requested");
  return true;
};

/** Confirms the email of the token's user; BAD_USER_INPUT on `token` when it is not usable. */
export const verifyEmail = async (ctx: Context, token: unknown): Promise<boolean> => {
  const tables = tablesOf(ctx);
  const owner = await inScopeTransaction(ctx, async (tx) => {
    const principalId = await useOneTimeToken(tx, tables, "EMAIL_VERIFICATION", token);
    principalMustBeActive(
      await rows(
        tx,
        `UPDATE ${tables.principals} SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1::uuid AND is_active RETURNING id`,
        principalId,
      ),
    );
    return principalId;
  });
  await recordAudit(ctx, {
    action: "user.email_verified",
    entityType: ctx.tenant ? "User" : "Account",
    entityId: owner,
    actor: { type: ctx.tenant ? "USER" : "ACCOUNT", id: owner },
  });
  ctx.logger.info({ userId: owner }, "email verified");
  return true;
};
