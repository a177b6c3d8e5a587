import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { AuditEvent, JSONScalar } from "./resolvers/AuditEvent";
import { Query } from "./resolvers/Query";
import { auditRules } from "./rules";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const resolvers = { Query, AuditEvent, JSON: JSONScalar };

// The pieces, for whoever builds the subgraph another way (bench/shield: with and without rules).
export { auditRules, createLoaders };

export const buildAuditSubgraph = (deps: SubgraphDeps) =>
  createSubgraph({ name: "audit", typeDefs, resolvers, rules: auditRules, createLoaders, deps });
