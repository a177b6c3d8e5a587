export {
  ACCOUNT_LOCK_CLASS,
  assertFreeSiteAllowance,
  assertOrganizationAllowance,
  DEFAULT_ACCOUNT_LIMITS,
} from "./account-limits";
export type { PlanLimits, PlanName, PlatformDb } from "./plans";
export { assertDomainCapacity, assertMemberCapacity, PLAN_LIMITS } from "./plans";
