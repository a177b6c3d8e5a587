export { buildOrganizationsSubgraph, typeDefs } from "./server";
export type { OrganizationsServices } from "./services";
export { createOrganizationsServices } from "./services";
