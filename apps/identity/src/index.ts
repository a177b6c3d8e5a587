import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildIdentitySubgraph } from "./server";

await bootSubgraph({ name: "identity", env, build: buildIdentitySubgraph });
