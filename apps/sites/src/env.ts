import { bool, dnsServers, int, loadEnv, optionalString, string } from "@taruvi/config";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/tenancy";

export const sitesEnvShape = {
  ...subgraphEnvShape(4003),
  /** Site changes are announced to every gateway here; in-process when unset. */
  REDIS_URL: optionalString(),
  /** Days a deleted site can be restored before its schema is dropped. */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  BASE_DOMAIN: string("localhost"),
  /** Live sites one account may have across the FREE organizations it owns; superusers are exempt. */
  MAX_FREE_SITES_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxFreeSites, { min: 0, max: 100_000 }),
  /**
   * Custom domains route only once a TXT record proves ownership; `off` verifies them at once
   * (development only: refused in production).
   */
  DOMAIN_VERIFICATION: bool(true),
  /** Resolvers for the TXT lookups: comma list of `ip[:port]`; unset: the system's. */
  DNS_SERVERS: dnsServers(),
  /** Days a PENDING domain claim lives (renewed by adding it again) before it is dropped. */
  DOMAIN_PENDING_DAYS: int(7, { min: 1, max: 90 }),
};

const loaded = loadEnv(sitesEnvShape);
if (loaded.NODE_ENV === "production" && !loaded.DOMAIN_VERIFICATION) {
  process.stderr.write(
    "Invalid environment:\n  - DOMAIN_VERIFICATION: off is refused in production (anyone could claim any host name)\n",
  );
  process.exit(1);
}

/** The only place this app reads process.env. */
export const env = loaded;
