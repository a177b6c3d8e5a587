import {
  readDomainsById,
  readDomainsBySite,
  readLiveSitesWithDomains,
  readSitesById,
} from "@taruvi/platform";
import { byId, groupBy, type RequestContext } from "@taruvi/subgraph-kit";

/**
 * Per-request DataLoaders over the platform's sites and domains, read through node-postgres
 * (`ctx.sql.platform`, decisions 0027 and 0028): the same objects Prisma's models are.
 */
export const createLoaders = ({ sql }: Pick<RequestContext, "sql">) => {
  const domainsBySite = groupBy("siteId", (ids) => readDomainsBySite(sql.platform, ids));
  return {
    siteById: byId((ids) => readSitesById(sql.platform, ids)),
    /**
     * An organization's live sites by slug. Their domains come in the same statement and fill
     * `domainsBySite`, so `Site.domains` of a listed site costs no query of its own.
     */
    sitesByOrganization: groupBy("organizationId", async (ids) => {
      const sites = await readLiveSitesWithDomains(sql.platform, ids);
      for (const { site, domains } of sites) domainsBySite.prime(site.id, domains);
      return sites.map(({ site }) => site);
    }),
    domainById: byId((ids) => readDomainsById(sql.platform, ids)),
    domainsBySite,
  };
};
