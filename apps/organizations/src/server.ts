import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { Organization, OrganizationMember } from "./resolvers/Organization";
import { Query } from "./resolvers/Query";
import type { OrganizationsServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildOrganizationsSubgraph = (deps: SubgraphDeps, services: OrganizationsServices) =>
  createSubgraph({
    name: "organizations",
    typeDefs,
    resolvers: { Query, Organization, OrganizationMember },
    createLoaders,
    services,
    deps,
  });
