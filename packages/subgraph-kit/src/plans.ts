import type { Pool } from "@taruvi/db";
import { AppError, conflict } from "@taruvi/errors";
import { PLAN_LIMITS, type PlanName } from "@taruvi/limits";

/** Plans every service prices against: the platform's (FREE, PRO, ENTERPRISE). */
export const PLAN_NAMES = Object.keys(PLAN_LIMITS) as PlanName[];

/**
 * A service's own limits per plan (`null` = unlimited), e.g. files:
 * `{ FREE: { maxFileBytes: 10e6, storageBytes: 1e9 }, PRO: {...}, ENTERPRISE: {...} }`.
 * Every plan names the same limits, so a plan added to the platform fails the type check of
 * every service that has not priced it.
 */
export type ServicePlanLimits<Name extends string = string> = Readonly<
  Record<PlanName, Readonly<Record<Name, number | null>>>
>;

/** Checks, at definition, that every plan names the same limits as non-negative integers or null. */
export const assertPlanLimits = (service: string, limits: ServicePlanLimits): void => {
  const names = (plan: PlanName) =>
    Object.keys(limits[plan] ?? {})
      .sort()
      .join(", ") || "nothing";
  const reference = PLAN_NAMES[0] as PlanName;
  for (const plan of PLAN_NAMES) {
    if (!limits[plan]) throw new Error(`service ${service}: planLimits has no ${plan} plan`);
    if (names(plan) !== names(reference)) {
      throw new Error(
        `service ${service}: planLimits.${plan} names ${names(plan)}, ${reference} names ${names(reference)}`,
      );
    }
    for (const [key, value] of Object.entries(limits[plan])) {
      if (value !== null && !(Number.isSafeInteger(value) && value >= 0)) {
        throw new Error(
          `service ${service}: planLimits.${plan}.${key} must be a non-negative integer or null`,
        );
      }
    }
  }
};

/**
 * The plan of the organization that owns a site: one indexed lookup, for the request that asks
 * (`ctx.sitePlan()` memoizes it per request). A site that vanished mid-request is NOT_FOUND.
 */
export const loadSitePlan = async (pool: Pool, siteId: string): Promise<PlanName> => {
  const { rows } = await pool.query<{ plan: PlanName }>(
    `SELECT o.plan::text AS plan
       FROM platform.sites s JOIN platform.organizations o ON o.id = s.organization_id
      WHERE s.id = $1`,
    [siteId],
  );
  const plan = rows[0]?.plan;
  if (!plan) throw new AppError("NOT_FOUND", "site not found");
  return plan;
};

const plural = (count: number, noun: string) =>
  `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;

/**
 * CONFLICT on `plan` when `used + adding` would exceed `limit` (null: unlimited). Count `used`
 * under a lock the competing writers also take (e.g. `SELECT … FOR UPDATE` on a per-site row, or
 * `pg_advisory_xact_lock`) in the transaction that then writes, or concurrent requests at the
 * limit can both pass.
 */
export const assertWithinPlan = (
  { plan, limit, used, adding = 1 }: { plan: PlanName; limit: number | null; used: number; adding?: number },
  noun: string,
): void => {
  if (limit === null || used + adding <= limit) return;
  throw conflict("plan", `the ${plan} plan allows ${plural(limit, noun)}; upgrade to add more`);
};

/** A limit of the site's plan: `{ plan, limit }` for `assertWithinPlan`. */
export const planLimit = async <Name extends string>(
  ctx: { sitePlan: () => Promise<PlanName> },
  limits: ServicePlanLimits<Name>,
  name: Name,
): Promise<{ plan: PlanName; limit: number | null }> => {
  const plan = await ctx.sitePlan();
  return { plan, limit: limits[plan][name] };
};
