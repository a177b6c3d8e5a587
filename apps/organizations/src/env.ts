import { loadEnv, string } from "@taruvi/config";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";

/** The only place this app reads process.env. */
export const env = loadEnv({
  ...subgraphEnvShape(4002),
  /** Base URL of the front-end pages that invitation links point to. */
  PUBLIC_URL: string("http://localhost:5173"),
});
