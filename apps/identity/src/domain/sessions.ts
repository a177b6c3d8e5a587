import { randomUUID } from "node:crypto";
import { ACCESS_TOKEN_TTL_SECONDS, hashSecret, newRefreshToken, signAccessToken } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { requireActor } from "@taruvi/subgraph-kit";
import type { Context, UserView } from "../context";
import type { NewSession, Scope } from "./scope";
import { scopeOf } from "./scope";

export type AuthPayload = { accessToken: string; refreshToken: string; expiresIn: number; user: UserView };

/**
 * How long a revoked family stays denied at the gateways: longer than any access token of it
 * can live (plus the verifier's clock tolerance).
 */
export const SESSION_REVOCATION_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 60;

/** A refresh token to store, hashed, with the client that obtained it. */
export const newSession = (ctx: Context): { token: string; session: NewSession } => {
  const token = newRefreshToken();
  return {
    token,
    session: {
      tokenHash: hashSecret(token),
      ttlSeconds: ctx.services.refreshTokenTtlSeconds,
      ip: ctx.client.ip,
      userAgent: ctx.client.userAgent,
    },
  };
};

/** An access token (`sid` = the family) next to its refresh token. */
export const issueTokens = async (
  ctx: Context,
  scope: Scope,
  user: UserView,
  familyId: string,
  refreshToken: string,
): Promise<AuthPayload> => {
  const { token } = await signAccessToken(ctx.services.keyStore, {
    subject: user.id,
    sessionId: familyId,
    audience: scope.audience,
    issuer: ctx.services.issuer,
  });
  return { accessToken: token, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS, user };
};

/** Signs `user` in: a new session family and its first pair of tokens. */
export const startSession = async (ctx: Context, scope: Scope, user: UserView): Promise<AuthPayload> => {
  const familyId = randomUUID();
  const { token, session } = newSession(ctx);
  await scope.sessions.create(user.id, familyId, session);
  ctx.logger.info({ userId: user.id, familyId }, "session started");
  return issueTokens(ctx, scope, user, familyId, token);
};

/** Every gateway refuses the access tokens of these families from now on. */
export const denyFamilies = async (ctx: Context, familyIds: Iterable<string>): Promise<void> => {
  await Promise.all(
    [...new Set(familyIds)].map((id) =>
      ctx.services.revocations.revoke("session", id, SESSION_REVOCATION_SECONDS),
    ),
  );
};

/** Ends one family: its refresh tokens stop working and its access tokens are refused. */
export const endFamily = async (ctx: Context, scope: Scope, familyId: string, principalId?: string) => {
  await scope.sessions.revokeFamily(familyId, principalId);
  await denyFamilies(ctx, [familyId]);
};

/** Ends every session of a principal (sign-out everywhere, deactivation, password change). */
export const endAllSessions = async (ctx: Context, scope: Scope, principalId: string): Promise<void> => {
  const families = await scope.sessions.revokeAll(principalId, SESSION_REVOCATION_SECONDS);
  await denyFamilies(ctx, families);
  ctx.logger.info({ userId: principalId, families: families.length }, "all sessions ended");
};

/** Ends the caller's session, or all of the caller's sessions. */
export const signOut = async (ctx: Context, allSessions: boolean): Promise<boolean> => {
  const actor = requireActor(ctx);
  if (actor.type === "api_key" || !actor.sessionId) {
    throw new AppError("FORBIDDEN", "an API key has no session to sign out of");
  }
  const scope = scopeOf(ctx);
  if (allSessions) await endAllSessions(ctx, scope, actor.id);
  await endFamily(ctx, scope, actor.sessionId, actor.id);
  ctx.logger.info({ familyId: actor.sessionId, allSessions }, "signed out");
  return true;
};
