export { buildSitesSubgraph, typeDefs } from "./server";
export type { SitesServices } from "./services";
export { createSitesServices } from "./services";
