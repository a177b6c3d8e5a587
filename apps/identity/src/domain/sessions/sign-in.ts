import { PASSWORD_MAX, verifyPassword } from "@taruvi/auth";
import { AppError, badUserInput } from "@taruvi/errors";
import { parseEmail } from "@taruvi/validation";
import type { Context } from "../../context";
import { auditedScopeChange, scopeOf } from "./scope";
import { type AuthPayload, issueTokens, startSession } from "./sessions";

/**
 * Email and password sign-in. An attempt is reserved before the password is looked at (per email
 * from this address, per email, per address: RATE_LIMITED with retryAfter beyond the limits), so
 * simultaneous guesses cannot outrun the count. An unknown email, a wrong password and a
 * deactivated user get the same error, and an unknown email is still verified (against a dummy
 * hash) so it takes as long. The failure that uses up an email's attempts records
 * `session.locked_out`. A success records the login and starts a session family in one
 * transaction with its `session.created` event (the user as actor), and refunds the attempt.
 */
export const signIn = async (
  ctx: Context,
  input: { email?: unknown; password?: unknown },
): Promise<AuthPayload> => {
  const email = parseEmail(input.email);
  const password = input.password;
  if (typeof password !== "string" || password === "") throw badUserInput("password", "is required");
  const { audience } = scopeOf(ctx);
  const attempt = await ctx.services.signInLimiter.reserve(
    `${audience}:${email}`,
    ctx.client.ip ?? "unknown",
  );

  const principal = await scopeOf(ctx).findByEmail(email);
  const matches =
    password.length <= PASSWORD_MAX &&
    (await verifyPassword(principal?.passwordHash ?? ctx.services.dummyPasswordHash, password));
  if (!principal || !matches || !principal.isActive) {
    const { lockedOut } = await attempt.fail();
    if (lockedOut) await recordLockout(ctx, principal?.id ?? null);
    ctx.logger.info({ userId: principal?.id ?? null, lockedOut }, "sign-in failed");
    throw new AppError("UNAUTHENTICATED", "invalid email or password");
  }
  const { passwordHash: _, ...user } = principal;
  const session = await auditedScopeChange(ctx, async (scope) => {
    await scope.recordLogin(user.id);
    const started = await startSession(ctx, scope, user.id);
    return {
      result: started,
      audit: {
        action: "session.created",
        entityType: "Session",
        entityId: started.familyId,
        actor: { type: scope.actorType, id: user.id },
      },
    };
  });
  await attempt.succeed();
  ctx.logger.info({ userId: user.id, familyId: session.familyId }, "session started");
  return issueTokens(ctx, audience, user, session);
};

/**
 * `session.locked_out` in the scope's trail: an email's sign-in attempts are used up (from one
 * address or from everywhere) until the window passes. The user when the email is one (null
 * otherwise: the trail does not tell who exists), actor SYSTEM, the client's address and agent
 * with the request.
 */
export const recordLockout = (ctx: Context, userId: string | null): Promise<void> =>
  auditedScopeChange(ctx, async () => ({
    result: undefined,
    audit: {
      action: "session.locked_out",
      entityType: "User",
      entityId: userId,
      actor: { type: "SYSTEM", id: null },
    },
  }));
