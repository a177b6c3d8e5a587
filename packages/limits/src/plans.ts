import type { PlatformClient, platform } from "@taruvi/db";
import { conflict, notFound } from "@taruvi/errors";

/**
 * What each plan allows; `null` means unlimited. Sites are checked where sites are created,
 * members by `assertMemberCapacity`, custom domains (PENDING and VERIFIED alike) by
 * `assertDomainCapacity`. Every site has room for an apex and its `www` on the smallest plan.
 */
export const PLAN_LIMITS = {
  FREE: { maxSites: 1, maxMembers: 5, maxDomainsPerSite: 2 },
  PRO: { maxSites: 10, maxMembers: 50, maxDomainsPerSite: 20 },
  ENTERPRISE: { maxSites: null, maxMembers: null, maxDomainsPerSite: 100 },
} as const;

export type PlanName = keyof typeof PLAN_LIMITS;
export type PlanLimits = {
  maxSites: number | null;
  maxMembers: number | null;
  maxDomainsPerSite: number | null;
};

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

/**
 * Fails with CONFLICT on `plan` when the site already has as many custom domains as its
 * organization's plan allows (PENDING claims count: a site cannot pile up unproven claims).
 * Call it inside the transaction that inserts the domain, after locking the site's row, so
 * concurrent adds of one site cannot overshoot.
 */
export const assertDomainCapacity = async (db: PlatformDb, siteId: string): Promise<void> => {
  const [row] = (await db.$queryRawUnsafe(
    `SELECT o.plan::text AS plan,
            (SELECT count(*) FROM "platform"."domains" d WHERE d.site_id = s.id) AS used
       FROM "platform"."sites" s JOIN "platform"."organizations" o ON o.id = s.organization_id
      WHERE s.id = $1::uuid`,
    siteId,
  )) as { plan: PlanName; used: bigint | number }[];
  if (!row) throw notFound("site");
  const limit = PLAN_LIMITS[row.plan].maxDomainsPerSite;
  if (limit !== null && Number(row.used) >= limit) {
    throw conflict(
      "plan",
      `the ${row.plan} plan allows ${plural(limit, "custom domain")} per site; remove one or upgrade to add more`,
    );
  }
};
