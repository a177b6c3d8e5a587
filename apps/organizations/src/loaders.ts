import type { Pool } from "@taruvi/db";
import { readMembersByOrganization, readOrganizationsById } from "@taruvi/platform";
import { byId, groupBy } from "@taruvi/subgraph-kit";

/** Platform reads through node-postgres (packages/platform reads.ts): the same objects as Prisma's. */
export const createLoaders = ({ services }: { services: { pool: Pool } }) => ({
  organizationById: byId((ids) => readOrganizationsById(services.pool, ids)),
  membersByOrganization: groupBy("organizationId", (ids) => readMembersByOrganization(services.pool, ids)),
});
