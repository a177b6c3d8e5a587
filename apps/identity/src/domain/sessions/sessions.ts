import { randomUUID } from "node:crypto";
import { ACCESS_TOKEN_TTL_SECONDS, hashSecret, newRefreshToken, signAccessToken } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { requireActor } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import type { UserView } from "../users/user-views";
import { auditedScopeChange, type NewSession, type Scope } from "./scope";

export type AuthPayload = { accessToken: string; refreshToken: string; expiresIn: number; user: UserView };

/**
 * How long a revoked family stays denied at the gateways: longer than any access token of it
 * can live (plus the verifier's clock tolerance).
 */
export const SESSION_REVOCATION_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 60;

/**
 * A refresh token to store, hashed, with the client that obtained it: a random one, or `token`
 * (a successor derived from its predecessor).
 */
export const newSession = (
  ctx: Context,
  token = newRefreshToken(),
): { token: string; session: NewSession } => ({
  token,
  session: {
    tokenHash: hashSecret(token),
    ttlSeconds: ctx.services.refreshTokenTtlSeconds,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent,
  },
});

/** A session family just started (its row written in the caller's transaction). */
export type StartedSession = { familyId: string; refreshToken: string };

/** Starts a session family of `principalId` through `scope` (the caller's transaction). */
export const startSession = async (
  ctx: Context,
  scope: Scope,
  principalId: string,
): Promise<StartedSession> => {
  const familyId = randomUUID();
  const { token, session } = newSession(ctx);
  await scope.sessions.create(principalId, familyId, session);
  return { familyId, refreshToken: token };
};

/** An access token (`sid` = the family) next to its refresh token, once the session is stored. */
export const issueTokens = async (
  ctx: Context,
  audience: string,
  user: UserView,
  session: StartedSession,
): Promise<AuthPayload> => {
  const { token } = await signAccessToken(ctx.services.keyStore, {
    subject: user.id,
    sessionId: session.familyId,
    audience,
    issuer: ctx.services.issuer,
  });
  return {
    accessToken: token,
    refreshToken: session.refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    user,
  };
};

/** Every gateway refuses the access tokens of these families from now on (after the commit). */
export const denyFamilies = async (ctx: Context, familyIds: Iterable<string>): Promise<void> => {
  await Promise.all(
    [...new Set(familyIds)].map((id) =>
      ctx.services.revocations.revoke("session", id, SESSION_REVOCATION_SECONDS),
    ),
  );
};

/**
 * Revokes every session of a principal in the caller's transaction (sign-out everywhere,
 * deactivation, password change); returns the families to deny once it commits.
 */
export const revokeAllSessions = (scope: Scope, principalId: string): Promise<string[]> =>
  scope.sessions.revokeAll(principalId, SESSION_REVOCATION_SECONDS);

/**
 * Ends the caller's session, or all of the caller's sessions: revoked and recorded
 * (`session.revoked`) in one transaction, then denied at every gateway.
 */
export const signOut = async (ctx: Context, allSessions: boolean): Promise<boolean> => {
  const actor = requireActor(ctx);
  const sessionId = actor.sessionId;
  if (actor.type === "api_key" || !sessionId) {
    throw new AppError("FORBIDDEN", "an API key has no session to sign out of");
  }
  const families = await auditedScopeChange(ctx, async (scope) => {
    const all = allSessions ? await revokeAllSessions(scope, actor.id) : [];
    await scope.sessions.revokeFamily(sessionId, actor.id);
    return {
      result: [...all, sessionId],
      audit: {
        action: "session.revoked",
        entityType: "Session",
        entityId: sessionId,
        changes: allSessions ? { allSessions: { before: null, after: true } } : null,
      },
    };
  });
  await denyFamilies(ctx, families);
  ctx.logger.info({ familyId: sessionId, allSessions }, "signed out");
  return true;
};
