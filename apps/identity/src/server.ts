import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { Query } from "./resolvers/Query";
import { User } from "./resolvers/User";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildIdentitySubgraph = (deps: SubgraphDeps) =>
  createSubgraph({ name: "identity", typeDefs, resolvers: { Query, User }, createLoaders, deps });
