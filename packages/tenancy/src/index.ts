export {
  ACCOUNT_LOCK_CLASS,
  assertFreeSiteAllowance,
  assertOrganizationAllowance,
  DEFAULT_ACCOUNT_LIMITS,
} from "./account-limits";
export type { TenantChangeBus } from "./change-bus";
export { createTenantChangeBus } from "./change-bus";
export type { DisconnectableClient, TenantClientCache } from "./client-cache";
export { createTenantClientCache } from "./client-cache";
export type { DomainCheck, DomainChecker, DomainRecheckReport } from "./domains";
export {
  challengeRecordName,
  createDomainChecker,
  DOMAIN_CHALLENGE_LABEL,
  DOMAIN_RECORD_TYPE,
  expireDomainClaims,
  lockSiteForDomains,
  markDomainVerified,
  newDomainVerificationToken,
  promotePrimaryDomain,
  recheckPendingDomains,
} from "./domains";
export {
  EARLIEST_DATE_TIME,
  isUnderDomain,
  isUuid,
  LATEST_DATE_TIME,
  parseDateTime,
  parseDisplayName,
  parseEmail,
  parseHostname,
  parseSlug,
  parseText,
  parseUuid,
  RESERVED_SLUGS,
} from "./input";
export type { InvitationStatus } from "./invitations";
export {
  expireInvitations,
  INVITATION_RETENTION_MS,
  INVITATION_TTL_MS,
  invitationStatus,
} from "./invitations";
export type { MaintenanceJob } from "./maintenance";
export { DOMAINS_VERIFY_JOB, INVITATIONS_EXPIRE_JOB, maintenanceJobs, SITES_PURGE_JOB } from "./maintenance";
export { CORE_SERVICE, LOCK_CLASS } from "./ledger";
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
export type { PlanLimits, PlanName, PlatformDb } from "./plans";
export { assertDomainCapacity, assertMemberCapacity, PLAN_LIMITS } from "./plans";
export type { CreateSiteInput, CreateSiteOptions, ProvisionedSite, SeedSite } from "./provision";
export { assertSiteQuota, createSite, provisionSite, ServiceMigrationError } from "./provision";
export type { PurgedSite, PurgeOptions, PurgeReport } from "./purge";
export { purgeDeletedSites, retentionCutoff } from "./purge";
export type { CreateOrganizationInput, SiteSummary } from "./registry";
export { createOrganization, listSites } from "./registry";
export type { RestoreSiteOptions } from "./restore";
export { restoreSite } from "./restore";
export { assertSchemaName, isSchemaName, quoteSchema, schemaNameForSite } from "./schema-name";
export type { SiteAdmin } from "./site-admin";
export { seedSiteAdmin } from "./site-admin";
export type { RemovedService, RemoveServiceOptions } from "./remove-service";
export { removeServiceTables } from "./remove-service";
export type { MigrationStatus, ServiceStatus, SiteSchemaStatus } from "./status";
export { migrationStatus } from "./status";
