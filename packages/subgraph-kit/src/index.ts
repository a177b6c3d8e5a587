export { createAccessResolver } from "./access";
export type { AuditActorType, AuditChanges, AuditRecord, SqlExecutor } from "./audit";
export {
  auditedPlatformChange,
  auditedSiteChange,
  diff,
  isSecretField,
  pgExecutor,
  prismaExecutor,
  recordAudit,
} from "./audit";
export type { RequestContext } from "./context";
export { accountOf, requireActor, requireSite } from "./context";
export { createSubgraphDeps } from "./deps";
export { byId, groupBy } from "./loaders";
export type { OrganizationAccess, OrganizationPermission, OrganizationRole } from "./organization-access";
export {
  findOrganizationAccess,
  requireMemberRemoval,
  requireOrganizationPermission,
  requireRoleChange,
} from "./organization-access";
export type { PageArgs, Position } from "./pagination";
export { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize, toConnection } from "./pagination";
export type { Subgraph, SubgraphDeps, SubgraphOptions } from "./server";
export { createSubgraph } from "./server";
export type {
  EnvOf,
  RunningService,
  ServiceDefinition,
  ServiceEnv,
  ServiceResources,
} from "./service";
export { defineService, loadServiceEnv, prismaTenantModel, startService, subgraphEnvShape } from "./service";
export type { SubgraphRules } from "./shield";
export { loadTypeDefs } from "./type-defs";
