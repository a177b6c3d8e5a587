import type { Pool } from "@taruvi/db";
import {
  readDomainsById,
  readDomainsBySite,
  readLiveSitesWithDomains,
  readSitesById,
} from "@taruvi/platform";
import { byId, groupBy } from "@taruvi/subgraph-kit";

/** Platform reads through node-postgres (packages/platform reads.ts): the same objects as Prisma's. */
export const createLoaders = ({ services }: { services: { pool: Pool } }) => {
  const { pool } = services;
  const domainsBySite = groupBy("siteId", (ids) => readDomainsBySite(pool, ids));
  return {
    siteById: byId((ids) => readSitesById(pool, ids)),
    /**
     * An organization's live sites by slug. Their domains come in the same statement and fill
     * `domainsBySite`, so `Site.domains` of a listed site costs no query of its own.
     */
    sitesByOrganization: groupBy("organizationId", async (ids) => {
      const sites = await readLiveSitesWithDomains(pool, ids);
      for (const { site, domains } of sites) domainsBySite.prime(site.id, domains);
      return sites.map(({ site }) => site);
    }),
    domainById: byId((ids) => readDomainsById(pool, ids)),
    domainsBySite,
  };
};
