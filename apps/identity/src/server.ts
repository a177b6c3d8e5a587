import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { ApiKey } from "./resolvers/ApiKey";
import { Group } from "./resolvers/Group";
import { Mutation } from "./resolvers/Mutation/index";
import { PermissionGrant } from "./resolvers/PermissionGrant";
import { Query } from "./resolvers/Query";
import { User } from "./resolvers/User";
import { identityRules } from "./rules";
import type { IdentityServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildIdentitySubgraph = (deps: SubgraphDeps, services: IdentityServices) =>
  createSubgraph({
    name: "identity",
    typeDefs,
    resolvers: { Query, Mutation, User, ApiKey, Group, PermissionGrant },
    rules: identityRules,
    createLoaders,
    services,
    deps,
  });
