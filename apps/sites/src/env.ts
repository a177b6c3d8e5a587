import { int, loadEnv, optionalString, string } from "@taruvi/config";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/tenancy";

/** The only place this app reads process.env. */
export const env = loadEnv({
  ...subgraphEnvShape(4003),
  /** Site changes are announced to every gateway here; in-process when unset. */
  REDIS_URL: optionalString(),
  /** Days a deleted site can be restored before its schema is dropped. */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  BASE_DOMAIN: string("localhost"),
  /** Live sites one account may have across the FREE organizations it owns; superusers are exempt. */
  MAX_FREE_SITES_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxFreeSites, { min: 0, max: 100_000 }),
});
