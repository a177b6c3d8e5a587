import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { Invitation } from "./resolvers/Invitation";
import { Mutation } from "./resolvers/Mutation/index";
import { Organization, OrganizationMember } from "./resolvers/Organization";
import { Query } from "./resolvers/Query";
import { rules } from "./rules";
import type { OrganizationsServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildOrganizationsSubgraph = (deps: SubgraphDeps, services: OrganizationsServices) =>
  createSubgraph({
    name: "organizations",
    typeDefs,
    resolvers: { Query, Mutation, Organization, OrganizationMember, Invitation },
    rules,
    createLoaders,
    services,
    deps,
  });
