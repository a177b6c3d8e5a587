import type { RequestContext } from "@taruvi/subgraph-kit";
import { byId, groupBy } from "@taruvi/subgraph-kit";

export const createLoaders = ({ platform }: Omit<RequestContext, "loaders" | "services">) => ({
  siteById: byId((ids) => platform.site.findMany({ where: { id: { in: [...ids] } } })),
  sitesByOrganization: groupBy("organizationId", (ids) =>
    platform.site.findMany({
      where: { organizationId: { in: [...ids] }, status: { not: "DELETED" } },
      orderBy: { slug: "asc" },
    }),
  ),
  domainById: byId((ids) => platform.domain.findMany({ where: { id: { in: [...ids] } } })),
  domainsBySite: groupBy("siteId", (ids) =>
    platform.domain.findMany({
      where: { siteId: { in: [...ids] } },
      orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }],
    }),
  ),
});
