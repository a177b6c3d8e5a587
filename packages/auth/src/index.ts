export type { Actor, ClientInfo, InternalContext, InternalContextKey, TenantRef } from "./internal-context";
export {
  INTERNAL_CONTEXT_HEADER,
  INTERNAL_CONTEXT_TTL_SECONDS,
  internalContextKey,
  requestDigest,
  signInternalContext,
  verifyInternalContext,
} from "./internal-context";
export {
  API_KEY_PREFIX,
  hashSecret,
  newApiKey,
  newRefreshToken,
  parseApiKey,
  refreshSuccessorKey,
  sameHash,
  successorRefreshToken,
} from "./opaque-secrets";
export { hashPassword, PASSWORD_MAX, PASSWORD_MIN, parsePassword, verifyPassword } from "./passwords";

// Access tokens and their signing keys.

export type { AccessTokenClaims } from "./access-tokens";
export {
  ACCESS_TOKEN_TTL_SECONDS,
  ACCESS_TOKEN_TYPE,
  audienceFor,
  PLATFORM_AUDIENCE,
  signAccessToken,
  verifyAccessToken,
} from "./access-tokens";
export type { KeyStore, SigningKey, StoredJwk } from "./keys";
export { developmentKeyFile, generateSigningKey, loadKeyStore, SIGNING_ALG } from "./keys";
export type { KeyInfo } from "./keys-file";
export {
  describeKeys,
  formatSigningKeys,
  readKeyFile,
  readSigningKeys,
  withNewKey,
  withoutKey,
  writeKeyFile,
} from "./keys-file";
export type { RevocationKind, RevocationList } from "./revocation";
export { createRevocationList } from "./revocation";

// Permissions and the graphql-shield rules every subgraph shares.

export type {
  OrganizationAccess,
  OrganizationPermission,
  OrganizationRole,
  PlatformObjectType,
  SiteAccess,
  SiteGrant,
  SiteObjectAccess,
  SiteObjectPermission,
  SiteObjectRef,
  SitePermission,
} from "./permissions";
export {
  CORE_SITE_PERMISSIONS,
  evaluateOrganizationAccess,
  evaluateSiteAccess,
  evaluateSiteObjectAccess,
  GRANTABLE_ORGANIZATION_PERMISSIONS,
  intersectSiteAccess,
  isPlatformGrant,
  isSitePermission,
  ROLE_PERMISSIONS,
  SITE_OBJECT_PERMISSIONS,
  SITE_PERMISSION_NAMES,
  SITE_PERMISSIONS,
} from "./permissions";
export type { AccessResolver, RuleContext } from "./rules";
export {
  hasSitePermission,
  hasSitePermissionOn,
  inSite,
  isAccount,
  isAuthenticated,
  isSiteUser,
  isSuperuser,
  onPlatform,
  platformAccount,
  siteHolding,
} from "./rules";
