import { emailKeyProblems } from "@taruvi/jobs";
import { defineService, loadTypeDefs } from "@taruvi/subgraph-kit";
import { identityEnvShape } from "./env";
import { createLoaders } from "./loaders";
import { ApiKey } from "./resolvers/ApiKey";
import { Group } from "./resolvers/Group";
import { Mutation } from "./resolvers/Mutation/index";
import { PermissionGrant } from "./resolvers/PermissionGrant";
import { Query } from "./resolvers/Query";
import { User } from "./resolvers/User";
import { identityRules } from "./rules";
import { createIdentityServices } from "./services";

export const typeDefs = loadTypeDefs(new URL("../schema.graphql", import.meta.url));

/** Accounts, site users, sessions, groups, grants and API keys (the core's `users.*`, `groups.*`, … permissions). */
export const identity = defineService({
  name: "identity",
  port: 4001,
  typeDefs,
  resolvers: { Query, Mutation, User, ApiKey, Group, PermissionGrant },
  rules: identityRules,
  createLoaders,
  env: identityEnvShape,
  envProblems: emailKeyProblems,
  services: createIdentityServices,
});
