import type { PlatformClient, platform } from "@taruvi/db";
import { conflict, notFound } from "@taruvi/errors";

/**
 * What each plan allows; `null` means unlimited. The site half is checked where sites are
 * created; the member half by `assertMemberCapacity`.
 */
export const PLAN_LIMITS = {
  FREE: { maxSites: 1, maxMembers: 5 },
  PRO: { maxSites: 10, maxMembers: 50 },
  ENTERPRISE: { maxSites: null, maxMembers: null },
} as const;

export type PlanName = keyof typeof PLAN_LIMITS;
export type PlanLimits = { maxSites: number | null; maxMembers: number | null };

/** The platform client or one of its interactive transactions. */
export type PlatformDb = PlatformClient | platform.Prisma.TransactionClient;

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

/**
 * Locks the organization's row (`FOR UPDATE`, until the caller's transaction ends) and fails with
 * CONFLICT on `plan` when one more member would exceed the plan. Members and pending invitations
 * (not accepted, not revoked, not expired) both count; `exceptInvitationId` is left out (an
 * invitation being re-sent or accepted is already one of them). Call it inside the transaction
 * that then inserts the member or invitation: of concurrent callers at the limit, one wins.
 * NOT_FOUND when the organization does not exist.
 */
export const assertMemberCapacity = async (
  db: PlatformDb,
  organizationId: string,
  options: { exceptInvitationId?: string } = {},
): Promise<void> => {
  const [organization] = (await db.$queryRawUnsafe(
    `SELECT plan::text AS plan FROM "platform"."organizations" WHERE id = $1::uuid FOR UPDATE`,
    organizationId,
  )) as { plan: PlanName }[];
  if (!organization) throw notFound("organization");
  const limit = PLAN_LIMITS[organization.plan].maxMembers;
  if (limit === null) return;
  const [usage] = (await db.$queryRawUnsafe(
    `SELECT (SELECT count(*) FROM "platform"."organization_members" WHERE organization_id = $1::uuid)
          + (SELECT count(*) FROM "platform"."invitations"
             WHERE organization_id = $1::uuid AND accepted_at IS NULL AND revoked_at IS NULL
               AND expires_at > now() AND id IS DISTINCT FROM $2::uuid) AS used`,
    organizationId,
    options.exceptInvitationId ?? null,
  )) as { used: bigint | number }[];
  if (Number(usage?.used ?? 0) + 1 > limit) {
    throw conflict(
      "plan",
      `the ${organization.plan} plan allows ${plural(limit, "member")}; upgrade to add more`,
    );
  }
};
