import { defineService, loadTypeDefs, prismaTenantModel } from "@taruvi/subgraph-kit";
import { filesEnvProblems, filesEnvShape } from "./env";
import { PrismaClient } from "./generated/client";
import { createLoaders } from "./loaders";
import { FILES_PLAN_LIMITS } from "./plans";
import { resolvers } from "./resolvers";
import { rules } from "./rules";
import { createFilesServices } from "./services";
import { hooks, jobs } from "./work";

/** The site permissions this service adds to the catalog: grants, groups and API-key scopes take them. */
export const PERMISSIONS = {
  "files.view": "See the site's files, download them and see its storage use.",
  "files.manage": "Upload and delete the site's files (implies files.view).",
} as const;

/**
 * The files service: each site's files in S3-compatible object storage (or a local folder under
 * `npm start`), uploaded and downloaded through presigned URLs, within its plan's quota.
 * Registered in services/registry.json like any product service; docs/files.md.
 */
export const service = defineService({
  name: "files",
  port: 4005,
  typeDefs: loadTypeDefs(new URL("../schema.graphql", import.meta.url)),
  resolvers,
  rules,
  createLoaders,
  extends: ["User", "Site"],
  permissions: PERMISSIONS,
  tenantModel: prismaTenantModel(PrismaClient),
  planLimits: FILES_PLAN_LIMITS,
  env: filesEnvShape,
  envProblems: filesEnvProblems,
  services: createFilesServices,
  routes: (services) => services.routes ?? (async () => false),
  hooks,
  jobs,
});
