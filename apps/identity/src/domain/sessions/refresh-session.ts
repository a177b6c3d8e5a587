import { hashSecret, successorRefreshToken } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { Context } from "../../context";
import type { UserView } from "../users/user-views";
import { auditedScopeChange, type Scope, type ScopeChange, scopeOf } from "./scope";
import { type AuthPayload, denyFamilies, issueTokens, newSession } from "./sessions";

const invalid = () =>
  new AppError("UNAUTHENTICATED", "refresh token unknown, expired, revoked or already used", {
    userMessage: "Invalid or expired refresh token",
  });

type Outcome =
  | { kind: "refreshed"; user: UserView; familyId: string; withinGrace: boolean }
  | { kind: "unknown" }
  | { kind: "inactive"; familyId: string }
  | { kind: "reused"; familyId: string; principalId: string };

/**
 * A rotated token presented again after the grace window (a stolen copy, or a client replaying
 * an old token): RFC 9700 says revoke the whole family. The refresh fails, but the revocation
 * commits with a `session.reuse_detected` event (actor SYSTEM: who presented the token is not
 * known), the one event a failed mutation writes. Only the call that revokes the family records
 * it: replays of a family that is already revoked record nothing.
 */
const revokeReusedFamily = async (scope: Scope, tokenHash: string): Promise<ScopeChange<Outcome>> => {
  const row = await scope.sessions.find(tokenHash);
  if (!row?.rotatedAt || row.revokedAt) return { result: { kind: "unknown" }, audit: null };
  // Zero when a concurrent call revoked the family first (it waited for that call's row locks).
  if ((await scope.sessions.revokeFamily(row.familyId)) === 0) {
    return { result: { kind: "unknown" }, audit: null };
  }
  return {
    result: { kind: "reused", familyId: row.familyId, principalId: row.principalId },
    audit: {
      action: "session.reuse_detected",
      entityType: "Session",
      entityId: row.familyId,
      actor: { type: "SYSTEM", id: null },
    },
  };
};

/**
 * Trades a refresh token for a new pair; the old token is spent. The successor is derived from
 * the token (HMAC under a server key), so a second use of the token within the grace window (two
 * tabs refreshing at once, a retried request) gets the same successor, still the family's
 * current token, while only hashes are stored. Later reuse revokes the family. The rotation (or
 * the revocation) and its event commit together; of concurrent rotations one wins and the others
 * see its committed result, so there is never more than one live token per family.
 */
export const refreshSession = async (ctx: Context, refreshToken: unknown): Promise<AuthPayload> => {
  if (typeof refreshToken !== "string" || refreshToken.length === 0 || refreshToken.length > 256) {
    throw invalid();
  }
  const { refreshSuccessorKey, refreshReuseGraceSeconds } = ctx.services;
  const tokenHash = hashSecret(refreshToken);
  const next = newSession(ctx, successorRefreshToken(refreshSuccessorKey, refreshToken));
  const outcome = await auditedScopeChange<Outcome>(ctx, async (scope) => {
    const rotated = await scope.sessions.rotate(tokenHash, next.session);
    const graced =
      rotated || refreshReuseGraceSeconds === 0
        ? null
        : await scope.sessions.findGraceSuccessor(
            tokenHash,
            next.session.tokenHash,
            refreshReuseGraceSeconds,
          );
    const session = rotated ?? graced;
    if (!session) return revokeReusedFamily(scope, tokenHash);
    const principal = await scope.findById(session.principalId);
    if (!principal?.isActive) {
      // Deactivated since: the family ends here, and the refresh fails.
      await scope.sessions.revokeFamily(session.familyId);
      return { result: { kind: "inactive", familyId: session.familyId }, audit: null };
    }
    const { passwordHash: _, ...user } = principal;
    return {
      result: { kind: "refreshed", user, familyId: session.familyId, withinGrace: graced !== null },
      audit: {
        action: "session.refreshed",
        entityType: "Session",
        entityId: session.familyId,
        actor: { type: scope.actorType, id: user.id },
        changes: graced ? { reusedWithinGrace: { before: null, after: true } } : null,
      },
    };
  });
  switch (outcome.kind) {
    case "unknown":
      throw invalid();
    case "inactive":
      await denyFamilies(ctx, [outcome.familyId]);
      throw invalid();
    case "reused":
      await denyFamilies(ctx, [outcome.familyId]);
      ctx.logger.warn(
        { familyId: outcome.familyId, userId: outcome.principalId },
        "refresh token reused: family revoked",
      );
      throw invalid();
    case "refreshed":
      if (outcome.withinGrace) {
        ctx.logger.info({ familyId: outcome.familyId }, "refresh token reused within the grace window");
      }
      return issueTokens(ctx, scopeOf(ctx).audience, outcome.user, {
        familyId: outcome.familyId,
        refreshToken: next.token,
      });
  }
};
