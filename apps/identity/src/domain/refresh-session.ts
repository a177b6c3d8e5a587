import { hashSecret } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { Context, UserView } from "../context";
import { auditedScopeChange, type Scope, scopeOf } from "./scope";
import { type AuthPayload, denyFamilies, endFamily, issueTokens, newSession } from "./sessions";

const invalid = () =>
  new AppError("UNAUTHENTICATED", "refresh token unknown, expired, revoked or already used", {
    userMessage: "Invalid or expired refresh token",
  });

/**
 * A token that was already rotated is being used again (a stolen copy, or a lost race between
 * two refreshes): RFC 9700 says revoke the whole family. The refresh fails, so no audit event is
 * written (a failed mutation records nothing); the security log has a warning instead.
 */
const handleReuse = async (ctx: Context, scope: Scope, tokenHash: string) => {
  const row = await scope.sessions.find(tokenHash);
  if (!row?.rotatedAt || row.revokedAt) return;
  await endFamily(ctx, scope, row.familyId);
  ctx.logger.warn(
    { familyId: row.familyId, userId: row.principalId },
    "refresh token reused: family revoked",
  );
};

type Outcome =
  | { kind: "refreshed"; user: UserView; familyId: string }
  | { kind: "unknown" }
  | { kind: "inactive"; familyId: string };

/**
 * Trades a refresh token for a new pair; the old token is spent. The rotation and its
 * `session.refreshed` event (the user as actor) commit together.
 */
export const refreshSession = async (ctx: Context, refreshToken: unknown): Promise<AuthPayload> => {
  if (typeof refreshToken !== "string" || refreshToken.length === 0 || refreshToken.length > 256) {
    throw invalid();
  }
  const tokenHash = hashSecret(refreshToken);
  const next = newSession(ctx);
  const outcome = await auditedScopeChange<Outcome>(ctx, async (scope) => {
    const rotated = await scope.sessions.rotate(tokenHash, next.session);
    if (!rotated) return { result: { kind: "unknown" }, audit: null };
    const principal = await scope.findById(rotated.principalId);
    if (!principal?.isActive) {
      // Deactivated since: the family ends here, and the refresh fails.
      await scope.sessions.revokeFamily(rotated.familyId);
      return { result: { kind: "inactive", familyId: rotated.familyId }, audit: null };
    }
    const { passwordHash: _, ...user } = principal;
    return {
      result: { kind: "refreshed", user, familyId: rotated.familyId },
      audit: {
        action: "session.refreshed",
        entityType: "Session",
        entityId: rotated.familyId,
        actor: { type: scope.actorType, id: user.id },
      },
    };
  });
  if (outcome.kind === "unknown") {
    await handleReuse(ctx, scopeOf(ctx), tokenHash);
    throw invalid();
  }
  if (outcome.kind === "inactive") {
    await denyFamilies(ctx, [outcome.familyId]);
    throw invalid();
  }
  return issueTokens(ctx, scopeOf(ctx).audience, outcome.user, {
    familyId: outcome.familyId,
    refreshToken: next.token,
  });
};
