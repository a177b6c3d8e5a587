import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { AuditEvent, JSONScalar } from "./resolvers/AuditEvent";
import { Query } from "./resolvers/Query";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildAuditSubgraph = (deps: SubgraphDeps) =>
  createSubgraph({
    name: "audit",
    typeDefs,
    resolvers: { Query, AuditEvent, JSON: JSONScalar },
    createLoaders,
    deps,
  });
