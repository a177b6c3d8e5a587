import { conflict, notFound } from "@taruvi/errors";
import type { PoolClient } from "pg";
import type { PlatformDb } from "./plans";

// What one account may own, whatever the plans of its organizations: without these caps an
// account could create organization after organization, each FREE one with a site (a full schema).
// The plan limits (plans.ts) hold per organization; these hold per account, across them.

/**
 * The defaults of MAX_ORGANIZATIONS_PER_ACCOUNT (organizations subgraph, CLI) and
 * MAX_FREE_SITES_PER_ACCOUNT (sites subgraph, CLI). Superusers are exempt from both.
 */
export const DEFAULT_ACCOUNT_LIMITS = { maxOrganizations: 3, maxFreeSites: 2 } as const;

/** Advisory-lock class of an account's ownership checks (first key of pg_advisory_xact_lock(int, int)). */
export const ACCOUNT_LOCK_CLASS = 0x7462; // "tb"; the migrator's is 0x7461

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

/**
 * In the caller's transaction, before it inserts the organization: serializes the account's
 * ownership changes (a transaction-level advisory lock on the account, held until commit), then
 * fails with CONFLICT on `plan` when the account already OWNs `maxOrganizations` organizations.
 * Of concurrent creates by one account at the cap, one wins. Superusers are exempt; an unknown
 * account is NOT_FOUND.
 */
export const assertOrganizationAllowance = async (
  db: PlatformDb,
  accountId: string,
  maxOrganizations: number,
): Promise<void> => {
  await db.$queryRawUnsafe(
    "SELECT pg_advisory_xact_lock($1::int, hashtext($2))::text",
    ACCOUNT_LOCK_CLASS,
    accountId,
  );
  // A statement of its own: its snapshot is taken after the lock, so it sees what a concurrent
  // create by the same account committed while we waited.
  const [account] = (await db.$queryRawUnsafe(
    `SELECT a.is_superuser AS "isSuperuser",
            (SELECT count(*)::int FROM "platform"."organization_members" m
              WHERE m.account_id = a.id AND m.role = 'OWNER') AS owned
       FROM "platform"."accounts" a WHERE a.id = $1::uuid`,
    accountId,
  )) as { isSuperuser: boolean; owned: number }[];
  if (!account) throw notFound("account");
  if (account.isSuperuser || account.owned < maxOrganizations) return;
  throw conflict(
    "plan",
    `one account may own at most ${plural(maxOrganizations, "organization")}, and this one owns ${account.owned}`,
  );
};

/**
 * In the caller's transaction, before it inserts (or restores) a site of `organizationId`: when
 * the organization is on the FREE plan, locks its row and then each of its owners (advisory
 * locks in id order) and fails with CONFLICT on `plan` when one of them already has
 * `maxFreeSites` live (not DELETED) sites across the FREE organizations they own. Owners who are
 * superusers do not count. Of concurrent creates at the cap, in any of an owner's organizations,
 * one wins. NOT_FOUND when the organization does not exist.
 */
export const assertFreeSiteAllowance = async (
  client: PoolClient,
  organizationId: string,
  maxFreeSites: number,
): Promise<void> => {
  // Locked only when FREE: creates in a paid organization need not wait for each other here.
  const organization = await client.query<{ plan: string }>(
    "SELECT plan::text AS plan FROM platform.organizations WHERE id = $1",
    [organizationId],
  );
  const plan = organization.rows[0]?.plan;
  if (!plan) throw notFound("organization");
  if (plan !== "FREE") return;
  await client.query("SELECT 1 FROM platform.organizations WHERE id = $1 FOR UPDATE", [organizationId]);
  const owners = await client.query<{ id: string }>(
    `SELECT m.account_id::text AS id FROM platform.organization_members m
       JOIN platform.accounts a ON a.id = m.account_id
      WHERE m.organization_id = $1 AND m.role = 'OWNER' AND NOT a.is_superuser
      ORDER BY m.account_id`,
    [organizationId],
  );
  const ids = owners.rows.map((owner) => owner.id);
  for (const id of ids) {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [ACCOUNT_LOCK_CLASS, id]);
  }
  if (ids.length === 0) return;
  // After the locks (see above): sites that concurrent creates committed meanwhile count.
  const { rows } = await client.query<{ sites: number }>(
    `SELECT count(*)::int AS sites FROM platform.organization_members m
       JOIN platform.organizations o ON o.id = m.organization_id AND o.plan = 'FREE'
       JOIN platform.sites s ON s.organization_id = o.id AND s.status <> 'DELETED'
      WHERE m.role = 'OWNER' AND m.account_id = ANY($1::uuid[])
      GROUP BY m.account_id ORDER BY sites DESC LIMIT 1`,
    [ids],
  );
  const most = rows[0]?.sites ?? 0;
  if (most >= maxFreeSites) {
    throw conflict(
      "plan",
      `one account may have at most ${plural(maxFreeSites, "site")} across the FREE organizations it owns, ` +
        `and an owner of this organization has ${most}; upgrade this organization to add more`,
    );
  }
};
