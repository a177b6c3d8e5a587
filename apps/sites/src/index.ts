import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildSitesSubgraph } from "./server";
import { createSitesServices } from "./services";

await bootSubgraph({
  name: "sites",
  env,
  build: async (deps, database) => {
    const services = createSitesServices({
      pool: database.pool,
      redisUrl: env.REDIS_URL,
      retentionDays: env.SITE_RETENTION_DAYS,
      baseDomain: env.BASE_DOMAIN,
      maxFreeSitesPerAccount: env.MAX_FREE_SITES_PER_ACCOUNT,
      domainVerification: env.DOMAIN_VERIFICATION,
      dnsServers: env.DNS_SERVERS,
      domainPendingDays: env.DOMAIN_PENDING_DAYS,
    });
    return { subgraph: await buildSitesSubgraph(deps, services), close: services.close };
  },
});
