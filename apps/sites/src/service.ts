import { defineService, loadTypeDefs } from "@taruvi/subgraph-kit";
import { sitesEnvProblems, sitesEnvShape } from "./env";
import { createLoaders } from "./loaders";
import { Domain } from "./resolvers/Domain";
import { Mutation } from "./resolvers/Mutation";
import { Organization } from "./resolvers/Organization";
import { Query } from "./resolvers/Query";
import { Site } from "./resolvers/Site";
import { rules } from "./rules";
import { createSitesServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

/** Sites: provisioning, lifecycle (suspend, delete, restore), custom domains, site users from the platform. */
export const sites = defineService({
  name: "sites",
  port: 4003,
  typeDefs,
  extends: ["Organization"],
  resolvers: { Query, Mutation, Site, Domain, Organization },
  rules,
  createLoaders,
  env: sitesEnvShape,
  envProblems: sitesEnvProblems,
  services: createSitesServices,
});
