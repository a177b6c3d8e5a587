import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildAuditSubgraph } from "./server";

await bootSubgraph({ name: "audit", env, build: buildAuditSubgraph });
