import type { RequestContext } from "@taruvi/subgraph-kit";
import { byId, groupBy } from "@taruvi/subgraph-kit";

export const createLoaders = ({ platform }: Omit<RequestContext, "loaders" | "services">) => ({
  organizationById: byId((ids) => platform.organization.findMany({ where: { id: { in: [...ids] } } })),
  membersByOrganization: groupBy("organizationId", (ids) =>
    platform.organizationMember.findMany({
      where: { organizationId: { in: [...ids] } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
  ),
});
