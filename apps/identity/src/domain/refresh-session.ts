import { hashSecret } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import { type Scope, scopeOf } from "./scope";
import { type AuthPayload, endFamily, issueTokens, newSession } from "./sessions";

const invalid = () =>
  new AppError("UNAUTHENTICATED", "refresh token unknown, expired, revoked or already used", {
    userMessage: "Invalid or expired refresh token",
  });

/**
 * A token that was already rotated is being used again (a stolen copy, or a lost race between
 * two refreshes): RFC 9700 says revoke the whole family. Written to the audit trail.
 */
const handleReuse = async (ctx: Context, scope: Scope, tokenHash: string) => {
  const row = await scope.sessions.find(tokenHash);
  if (!row?.rotatedAt || row.revokedAt) return;
  await endFamily(ctx, scope, row.familyId);
  await recordAudit(ctx, {
    action: "session.reuse_detected",
    entityType: "Session",
    entityId: row.familyId,
    actor: { type: "SYSTEM", id: null },
    changes: { userId: row.principalId, revoked: "session family" },
  });
  ctx.logger.warn(
    { familyId: row.familyId, userId: row.principalId },
    "refresh token reused: family revoked",
  );
};

/** Trades a refresh token for a new pair; the old token is spent. */
export const refreshSession = async (ctx: Context, refreshToken: unknown): Promise<AuthPayload> => {
  if (typeof refreshToken !== "string" || refreshToken.length === 0 || refreshToken.length > 256) {
    throw invalid();
  }
  const scope = scopeOf(ctx);
  const tokenHash = hashSecret(refreshToken);
  const next = newSession(ctx);
  const rotated = await scope.sessions.rotate(tokenHash, next.session);
  if (!rotated) {
    await handleReuse(ctx, scope, tokenHash);
    throw invalid();
  }
  const principal = await scope.findById(rotated.principalId);
  if (!principal?.isActive) {
    await endFamily(ctx, scope, rotated.familyId);
    throw invalid();
  }
  const { passwordHash: _, ...user } = principal;
  return issueTokens(ctx, scope, user, rotated.familyId, next.token);
};
