import type { PlatformClient } from "@taruvi/db";

// An invitation has no status column; its status follows from its timestamps:
//   ACCEPTED  accepted_at is set          REVOKED  revoked_at is set
//   EXPIRED   expires_at has passed       PENDING  otherwise
// Only PENDING invitations can be accepted, and they count against the plan's member limit.

/** An invitation link works for seven days (a resend starts a new seven days). */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Invitations are kept this long past their expiry (so "expired" can be told apart from "invalid"), then deleted. */
export const INVITATION_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export type InvitationStatus = "PENDING" | "ACCEPTED" | "REVOKED" | "EXPIRED";

export const invitationStatus = (
  invitation: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now = new Date(),
): InvitationStatus => {
  if (invitation.acceptedAt) return "ACCEPTED";
  if (invitation.revokedAt) return "REVOKED";
  return invitation.expiresAt.getTime() <= now.getTime() ? "EXPIRED" : "PENDING";
};

/**
 * The scheduled clean-up: deletes every invitation whose expiry is more than 30 days before
 * `now` (accepted, revoked or never used: each is history by then; the audit trail keeps the
 * record). Returns how many were deleted. Expiry itself needs no job: an invitation past
 * `expires_at` is refused and no longer counts against the plan from that moment.
 */
export const expireInvitations = async (db: PlatformClient, now = new Date()): Promise<number> => {
  const { count } = await db.invitation.deleteMany({
    where: { expiresAt: { lt: new Date(now.getTime() - INVITATION_RETENTION_MS) } },
  });
  return count;
};
