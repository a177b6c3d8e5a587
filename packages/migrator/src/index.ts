export { installJobQueue, JOB_QUEUE_SCHEMA } from "./job-queue";
export { CORE_SERVICE, LOCK_CLASS as MIGRATOR_LOCK_CLASS } from "./ledger";
export type { Migration, MigrationSet } from "./migrations";
export {
  assertDistinctTables,
  assertSelfContained,
  createdTables,
  defaultMigrationsDirs,
  loadMigrations,
  loadTenantSets,
  TenantSetError,
  tablesOfSet,
} from "./migrations";
export type {
  MigrateSitesOptions,
  MigrateSitesReport,
  PlatformMigrationSettings,
  SiteFailure,
} from "./migrator";
export { MigrationRefusedError, migratePlatform, migrateSites } from "./migrator";
export type { CreateSiteInput, CreateSiteOptions, ProvisionedSite, SeedSite } from "./provision";
export { assertSiteQuota, createSite, provisionSite, ServiceMigrationError } from "./provision";
export type { RemovedService, RemoveServiceOptions } from "./remove-service";
export { removeServiceTables } from "./remove-service";
export type { DatabaseRole, DatabaseRolesOptions, DatabaseRolesReport } from "./roles";
export { APPEND_ONLY_TABLE, applyDatabaseRoles } from "./roles";
export type { MigrationStatus, ServiceStatus, SiteSchemaStatus } from "./status";
export { migrationStatus } from "./status";
