import { bool, dnsServers, int, optionalString, string } from "@taruvi/config";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/limits";
import { SERVICES } from "@taruvi/registry";
import type { ServiceEnv } from "@taruvi/subgraph-kit";

/** SUBGRAPH_<NAME>_URL of every registered service, as the gateway reads them (systemStatus probes them). */
const subgraphUrlShape = Object.fromEntries(
  SERVICES.map((service) => [service.urlVariable, string(`http://127.0.0.1:${service.port}/graphql`)]),
) as Record<`SUBGRAPH_${string}_URL`, ReturnType<typeof string>>;

/** Sites' own variables (beside the subgraph ones: PORT 4003, DATABASE_URL, REDIS_URL for the tenant-change bus, …). */
export const sitesEnvShape = {
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
  /**
   * The owner role (docs/decisions/0022-database-roles.md): createSite builds a site's schema on a
   * small pool of its own here; every other query uses DATABASE_URL. Unset: DATABASE_URL for both.
   */
  MIGRATION_DATABASE_URL: optionalString(),
  /** Where systemStatus finds each subgraph's /healthz: the gateway's variables and defaults. */
  ...subgraphUrlShape,
};

export type SitesEnv = ServiceEnv<typeof sitesEnvShape>;

/** Off would let anyone claim any host name. */
export const sitesEnvProblems = (env: SitesEnv): string[] =>
  env.NODE_ENV === "production" && !env.DOMAIN_VERIFICATION
    ? ["DOMAIN_VERIFICATION: off is refused in production (anyone could claim any host name)"]
    : [];
