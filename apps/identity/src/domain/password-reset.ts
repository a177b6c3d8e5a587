import { hashPassword, parsePassword } from "@taruvi/auth";
import { parseEmail } from "@taruvi/tenancy";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import {
  createOneTimeToken,
  inScopeTransaction,
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
import { scopeOf } from "./scope";
import { denyFamilies } from "./sessions";
import { personalWords } from "./user-input";

/**
 * Both answers of requestPasswordReset take at least this long, so the response time does not
 * tell whether the email belongs to someone (the known path enqueues an email, ~10 ms).
 */
const RESPONSE_FLOOR_MS = 150;

const waitUntil = async (deadline: number) => {
  const left = deadline - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
};

/**
 * Emails a single-use reset link (1 hour) to an active user of the scope with this email. The
 * token row and the email job commit together. Always true: unknown emails are not revealed.
 */
export const requestPasswordReset = async (ctx: Context, emailInput: unknown): Promise<boolean> => {
  const deadline = Date.now() + RESPONSE_FLOOR_MS;
  const email = parseEmail(emailInput);
  const principal = await scopeOf(ctx).findByEmail(email);
  if (principal?.isActive) {
    const tables = tablesOf(ctx);
    await inScopeTransaction(ctx, async (tx) => {
      const token = await createOneTimeToken(tx, tables, "PASSWORD_RESET", principal.id);
      await sendEmailInTransaction(ctx, tx, {
        to: principal.email,
        subject: "Reset your password",
        text: [
          `Hello ${principal.name},`,
          "",
          `Someone, hopefully you, asked to reset the password of ${principal.email} on ${scopeName(ctx)}.`,
          "Open this link within one hour to choose a new password (it works once):",
          "",
          linkTo(ctx, "reset-password", token),
          "",
          "If it was not you, ignore this email: your password stays as it is.",
        ].join("\n"),
      });
    });
    ctx.logger.info({ userId: principal.id }, "password reset requested");
  } else {
    ctx.logger.info("password reset requested for an unknown or inactive email");
  }
  await waitUntil(deadline);
  return true;
};

/**
 * Sets a new password with a reset token, in one transaction: the token is used (and every other
 * reset token of the user with it), the argon2id hash replaced, the email counted as verified
 * (the link reached it), and every session revoked; their access tokens are then refused by every
 * gateway. A password that fails the policy leaves the token usable.
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

  const families = await inScopeTransaction(ctx, async (tx) => {
    const owner = await useOneTimeToken(tx, tables, "PASSWORD_RESET", input.token);
    principalMustBeActive(
      await rows(
        tx,
        `UPDATE ${tables.principals}
         SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1::uuid AND is_active RETURNING id`,
        owner,
        passwordHash,
      ),
    );
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
    return { owner, familyIds: revoked.map((row) => row.familyId) };
  });

  await denyFamilies(ctx, families.familyIds);
  await recordAudit(ctx, {
    action: "user.password_reset",
    entityType: ctx.tenant ? "User" : "Account",
    entityId: families.owner,
    actor: { type: ctx.tenant ? "USER" : "ACCOUNT", id: families.owner },
    changes: { sessionsEnded: new Set(families.familyIds).size },
  });
  ctx.logger.info({ userId: families.owner, families: families.familyIds.length }, "password reset");
  return true;
};
