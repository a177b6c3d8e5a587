import { emailKeyProblems } from "@taruvi/jobs";
import { defineService, loadTypeDefs } from "@taruvi/subgraph-kit";
import { organizationsEnvShape } from "./env";
import { createLoaders } from "./loaders";
import { Invitation } from "./resolvers/Invitation";
import { Mutation } from "./resolvers/Mutation/index";
import { Organization, OrganizationMember } from "./resolvers/Organization";
import { Query } from "./resolvers/Query";
import { rules } from "./rules";
import { createOrganizationsServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

/** Organizations, their members, roles and invitations (platform scope). */
export const organizations = defineService({
  name: "organizations",
  port: 4002,
  typeDefs,
  extends: ["User"],
  resolvers: { Query, Mutation, Organization, OrganizationMember, Invitation },
  rules,
  createLoaders,
  env: organizationsEnvShape,
  envProblems: emailKeyProblems,
  services: createOrganizationsServices,
});
