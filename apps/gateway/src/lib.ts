export type { GatewayEnv } from "./env";
export { gatewayEnvShape, loadGatewayEnv } from "./env";
export { optionsFromEnv, SUPERGRAPH_PATH } from "./options";
export { startGatewayProcess } from "./process";
export type { Gateway, GatewayOptions, SubgraphName } from "./server";
export { buildGateway, SUBGRAPHS } from "./server";
