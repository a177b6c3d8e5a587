export { buildIdentitySubgraph, typeDefs } from "./server";
export type { IdentityServiceOptions, IdentityServices } from "./services";
export { createIdentityServices } from "./services";
