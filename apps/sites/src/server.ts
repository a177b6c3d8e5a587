import { createSubgraph, loadTypeDefs, type SubgraphDeps } from "@taruvi/subgraph-kit";
import { createLoaders } from "./loaders";
import { Domain } from "./resolvers/Domain";
import { Mutation } from "./resolvers/Mutation";
import { Organization } from "./resolvers/Organization";
import { Query } from "./resolvers/Query";
import { Site } from "./resolvers/Site";
import { rules } from "./rules";
import type { SitesServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

export const buildSitesSubgraph = (deps: SubgraphDeps, services: SitesServices) =>
  createSubgraph({
    name: "sites",
    typeDefs,
    resolvers: { Query, Mutation, Site, Domain, Organization },
    rules,
    createLoaders,
    // Platform-scope site-user management reaches a site's schema through the tenant clients.
    services: { ...services, tenants: deps.tenants },
    deps,
  });
