import { loadEnv } from "@taruvi/config";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";

/** The only place this app reads process.env. */
export const env = loadEnv(subgraphEnvShape(4001));
