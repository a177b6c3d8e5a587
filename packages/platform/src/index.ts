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
export type { InvitationStatus } from "./invitations";
export {
  expireInvitations,
  INVITATION_RETENTION_MS,
  INVITATION_TTL_MS,
  invitationStatus,
} from "./invitations";
export type { MaintenanceJob } from "./maintenance";
export { DOMAINS_VERIFY_JOB, INVITATIONS_EXPIRE_JOB, maintenanceJobs, SITES_PURGE_JOB } from "./maintenance";
export type { OrganizationCaller } from "./organization-access";
export {
  findOrganizationAccess,
  requireMemberRemoval,
  requireOrganizationPermission,
  requireRoleChange,
} from "./organization-access";
export type { PurgedSite, PurgeOptions, PurgeReport } from "./purge";
export { purgeDeletedSites, retentionCutoff } from "./purge";
export type { PlatformSql, SiteWithDomains } from "./reads";
export {
  readDomainsById,
  readDomainsBySite,
  readLiveSitesWithDomains,
  readMembersByOrganization,
  readOrganizationBySlug,
  readOrganizationsById,
  readSitesById,
} from "./reads";
export type { CreateOrganizationInput, SiteSummary } from "./registry";
export { createOrganization, listSites } from "./registry";
export type { RestoreSiteOptions } from "./restore";
export { restoreSite } from "./restore";
export type { SiteAdmin } from "./site-admin";
export { seedSiteAdmin } from "./site-admin";
