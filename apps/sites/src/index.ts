import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildSitesSubgraph } from "./server";

await bootSubgraph({ name: "sites", env, build: buildSitesSubgraph });
