import { readMembersByOrganization, readOrganizationsById } from "@taruvi/platform";
import { byId, groupBy, type RequestContext } from "@taruvi/subgraph-kit";

/**
 * Per-request DataLoaders over organizations and their members, read through node-postgres
 * (`ctx.sql.platform`, decisions 0027 and 0028): the same objects Prisma's models are.
 */
export const createLoaders = ({ sql }: Pick<RequestContext, "sql">) => ({
  organizationById: byId((ids) => readOrganizationsById(sql.platform, ids)),
  membersByOrganization: groupBy("organizationId", (ids) => readMembersByOrganization(sql.platform, ids)),
});
