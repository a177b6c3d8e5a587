export { createAccessResolver } from "./access";
export type { AccessChangeBus } from "./access-cache";
export { announcePlatformAccessChange, announceSiteAccessChange } from "./access-cache";
export type { AuditActorType, AuditChanges, AuditRecord } from "./audit";
export {
  auditedPlatformChange,
  auditedSiteChange,
  diff,
  isSecretField,
  recordAudit,
} from "./audit";
export type { RequestContext } from "./context";
export { accountOf, requireActor, requireSite } from "./context";
export { createSubgraphDeps } from "./deps";
export type {
  HookContext,
  JobContext,
  JobRun,
  ServiceJob,
  ServiceJobs,
  SiteEvent,
  SiteHook,
  SiteHooks,
  SiteLifecycle,
  WorkContext,
} from "./hooks";
export { DEFAULT_HOOK_RETRY } from "./hooks";
export { byId, groupBy } from "./loaders";
export type { PageArgs, Position } from "./pagination";
export { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize, toConnection } from "./pagination";
export type { ServicePlanLimits } from "./plans";
export { assertWithinPlan, PLAN_NAMES, planLimit } from "./plans";
export type { InSchema, ScopedSql } from "./scoped-sql";
export { createScopedSql } from "./scoped-sql";
export type { HttpRoutes, Subgraph, SubgraphDeps, SubgraphOptions } from "./server";
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
