export { CONSOLE_NOT_BUILT, DEFAULT_CONSOLE_DIR } from "./console";
export type { GatewayEnv } from "./env";
export { gatewayEnvShape, loadGatewayEnv } from "./env";
export { optionsFromEnv, SUPERGRAPH_PATH } from "./options";
export type { Gateway, GatewayOptions, SubgraphName } from "./server";
export { buildGateway } from "./server";
export { start } from "./start";
