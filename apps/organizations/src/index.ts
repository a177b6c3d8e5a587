import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildOrganizationsSubgraph } from "./server";

await bootSubgraph({ name: "organizations", env, build: buildOrganizationsSubgraph });
