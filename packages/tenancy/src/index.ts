export type { TenantChangeBus } from "./change-bus";
export { createTenantChangeBus } from "./change-bus";
export type { DisconnectableClient, TenantClientCache } from "./client-cache";
export { createTenantClientCache } from "./client-cache";
export { LOCK_CLASS as MIGRATOR_LOCK_CLASS } from "./ledger";
export type { Migration, MigrationSet } from "./migrations";
export { defaultMigrationsDirs, loadMigrations } from "./migrations";
export type {
  MigrateSitesOptions,
  MigrateSitesReport,
  PlatformMigrationSettings,
  SiteFailure,
} from "./migrator";
export { MigrationRefusedError, migratePlatform, migrateSites } from "./migrator";
export type { CreateSiteInput, CreateSiteOptions, ProvisionedSite, SeedSite } from "./provision";
export { assertSiteQuota, createSite, provisionSite } from "./provision";
export { assertSchemaName, isSchemaName, quoteSchema, schemaNameForSite } from "./schema-name";
export type { MigrationStatus, SiteSchemaStatus } from "./status";
export { migrationStatus } from "./status";
