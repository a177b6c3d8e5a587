import { PASSWORD_MAX, verifyPassword } from "@taruvi/auth";
import { AppError, badUserInput } from "@taruvi/errors";
import { parseEmail } from "@taruvi/tenancy";
import type { Context } from "../context";
import { auditedScopeChange, scopeOf } from "./scope";
import { type AuthPayload, issueTokens, startSession } from "./sessions";

/**
 * Email and password sign-in. Too many recent failures for this email in this scope, or from
 * this IP: RATE_LIMITED before the password is looked at. An unknown email, a wrong password and
 * a deactivated user get the same error, and an unknown email is still verified (against a dummy
 * hash) so it takes as long. A success records the login and starts a session family in one
 * transaction with its `session.created` event (the user as actor); a failure records nothing.
 */
export const signIn = async (
  ctx: Context,
  input: { email?: unknown; password?: unknown },
): Promise<AuthPayload> => {
  const email = parseEmail(input.email);
  const password = input.password;
  if (typeof password !== "string" || password === "") throw badUserInput("password", "is required");
  const { audience } = scopeOf(ctx);
  const limiter = ctx.services.signInLimiter;
  const account = `${audience}:${email}`;
  const ip = ctx.client.ip ?? "unknown";
  await limiter.check(account, ip);

  const principal = await scopeOf(ctx).findByEmail(email);
  const matches =
    password.length <= PASSWORD_MAX &&
    (await verifyPassword(principal?.passwordHash ?? ctx.services.dummyPasswordHash, password));
  if (!principal || !matches || !principal.isActive) {
    await limiter.fail(account, ip);
    ctx.logger.info({ userId: principal?.id ?? null }, "sign-in failed");
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
  await limiter.succeed(account);
  ctx.logger.info({ userId: user.id, familyId: session.familyId }, "session started");
  return issueTokens(ctx, audience, user, session);
};
