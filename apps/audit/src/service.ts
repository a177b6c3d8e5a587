import { createSubgraph, defineService, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { AuditEvent, JSONScalar } from "./resolvers/AuditEvent";
import { Query } from "./resolvers/Query";
import { auditRules } from "./rules";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const resolvers = { Query, AuditEvent, JSON: JSONScalar };

/** The audit trail of sites and of the platform, read-only (`audit.view`). */
export const audit = defineService({
  name: "audit",
  port: 4004,
  typeDefs,
  extends: ["User"],
  resolvers,
  rules: auditRules,
  createLoaders,
});

// The pieces, for whoever builds the subgraph another way (bench/shield: with and without rules).
export { auditRules, createLoaders };

/** The audit subgraph on given deps, without listening (bench/shield measures it in-process). */
export const buildAuditSubgraph = (deps: SubgraphDeps) =>
  createSubgraph({ name: "audit", typeDefs, resolvers, rules: auditRules, createLoaders, deps });
