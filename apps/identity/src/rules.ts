/**
 * Who may call what in the identity subgraph (graphql-shield, deny by default: every Query and
 * Mutation field is named here). Rules decide from the caller's permissions, loaded once per
 * request (ctx.access); what needs the object itself (NOT_FOUND, escalation) is in the domain.
 */
import {
  hasSitePermissionOn,
  inSite,
  isAuthenticated,
  isSuperuser,
  onPlatform,
  type RuleContext,
  type SitePermission,
  siteHolding,
} from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { SubgraphRules } from "@taruvi/subgraph-kit";
import { allow, chain, rule } from "graphql-shield";

/** Signed in with `permission` model-wide or on the object whose id is the argument `idArg`. */
const inSiteWithOn = (permission: SitePermission, objectType: string, idArg: string) =>
  chain(isAuthenticated, inSite, hasSitePermissionOn(permission, objectType, idArg));

const manageUser = inSiteWithOn("users.manage", "User", "id");
const resetUserPassword = inSiteWithOn("users.manage", "User", "userId");
const manageGroup = inSiteWithOn("groups.manage", "Group", "id");
const manageGroupMembers = inSiteWithOn("groups.manage", "Group", "groupId");

/** A person (a user or an account), not an API key: what acts on "my" session or email. */
const isPerson = rule("isPerson", { cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
  ctx.actor?.type === "api_key"
    ? new AppError("FORBIDDEN", "an API key cannot do this; sign in as a user")
    : true,
);

/** The list of users: users.view in a site, superusers on the platform. */
const mayListUsers = rule("mayListUsers", { cache: "contextual" })(
  async (_parent, _args, ctx: RuleContext) => {
    if (ctx.tenant) {
      return (await ctx.access.site()).has("users.view")
        ? true
        : new AppError("FORBIDDEN", "requires the users.view permission");
    }
    return ctx.actor?.type === "account" && ctx.actor.superuser === true
      ? true
      : new AppError("FORBIDDEN", "only superusers may list accounts");
  },
);

/** One user: yourself; in a site users.view on that user or model-wide; on the platform superusers. */
const mayViewUser = rule("mayViewUser", { cache: "strict" })(
  async (_parent, args: { id?: unknown }, ctx: RuleContext) => {
    const id = typeof args.id === "string" ? args.id : "";
    if (ctx.actor && ctx.actor.type !== "api_key" && ctx.actor.id === id) return true;
    if (ctx.tenant) {
      return (await ctx.access.site()).has("users.view", { type: "User", id })
        ? true
        : new AppError("FORBIDDEN", "requires the users.view permission");
    }
    return ctx.actor?.type === "account" && ctx.actor.superuser === true
      ? true
      : new AppError("FORBIDDEN", "only superusers may see other accounts");
  },
);

/**
 * Granting, revoking and listing grants: permissions.manage in a site; on the platform any
 * account, whose authority over the organization or site the domain checks (NOT_FOUND/FORBIDDEN).
 */
const mayManagePermissions = rule("mayManagePermissions", { cache: "contextual" })(
  async (_parent, _args, ctx: RuleContext) => {
    if (ctx.tenant) {
      return (await ctx.access.site()).has("permissions.manage")
        ? true
        : new AppError("FORBIDDEN", "requires the permissions.manage permission");
    }
    return ctx.actor?.type === "account"
      ? true
      : new AppError("FORBIDDEN", "sign in with a platform account");
  },
);

/** The identity subgraph's rules: every root field, and every entity type it resolves. */
export const identityRules: SubgraphRules = {
  Query: {
    me: allow,
    user: chain(isAuthenticated, mayViewUser),
    users: chain(isAuthenticated, mayListUsers),
    // Accounts are platform data: a superuser's, asked in the platform scope.
    accounts: chain(isAuthenticated, onPlatform, isSuperuser),
    apiKeys: siteHolding("apikeys.manage"),
    apiKeysConnection: siteHolding("apikeys.manage"),
    groups: siteHolding("groups.view"),
    groupsConnection: siteHolding("groups.view"),
    group: inSiteWithOn("groups.view", "Group", "id"),
    permissionGrants: chain(isAuthenticated, mayManagePermissions),
    myPermissions: isAuthenticated,
    permissionCatalog: isAuthenticated,
  },
  Mutation: {
    signUp: allow,
    signIn: allow,
    refreshSession: allow,
    requestPasswordReset: allow,
    resetPassword: allow,
    verifyEmail: allow,
    signOut: chain(isAuthenticated, isPerson),
    requestEmailVerification: chain(isAuthenticated, isPerson),
    changeMyPassword: chain(isAuthenticated, isPerson),
    changeMyEmail: chain(isAuthenticated, isPerson),
    createUser: siteHolding("users.manage"),
    updateUser: manageUser,
    deactivateUser: manageUser,
    restoreUser: manageUser,
    sendPasswordReset: resetUserPassword,
    createApiKey: siteHolding("apikeys.manage"),
    revokeApiKey: siteHolding("apikeys.manage"),
    createGroup: siteHolding("groups.manage"),
    updateGroup: manageGroup,
    deleteGroup: siteHolding("groups.manage"),
    addGroupMember: manageGroupMembers,
    removeGroupMember: manageGroupMembers,
    grantPermission: chain(isAuthenticated, mayManagePermissions),
    revokePermission: chain(isAuthenticated, mayManagePermissions),
  },
  // Entities are bound to the request's scope; what a caller may see of them is in each resolver.
  User: isAuthenticated,
  ApiKey: chain(isAuthenticated, inSite),
  Group: chain(isAuthenticated, inSite),
};
