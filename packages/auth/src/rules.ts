/**
 * graphql-shield rules shared by every subgraph: small, named, and answering with a coded error
 * (graphql-shield turns a returned Error into the field's error). Ordering matters, so combine
 * them with `chain` (first failure wins): UNAUTHENTICATED before FORBIDDEN.
 *
 * What a rule cannot know without loading the object (whether the caller may see it at all:
 * NOT_FOUND) stays in the domain function, which asks the same per-request access resolver.
 */
import { AppError } from "@taruvi/errors";
import { chain, rule } from "graphql-shield";
import type { Actor, TenantRef } from "./internal-context";
import type { OrganizationAccess, SiteAccess, SiteObjectAccess, SitePermission } from "./permissions";

/** Who holds what, loaded at most once per request and batched (packages/subgraph-kit). */
export type AccessResolver = {
  /** The caller's permissions in the addressed site (none outside a site or signed out). */
  site: () => Promise<SiteAccess>;
  /** The caller's access to an organization; null when they may not see it. */
  organization: (organizationId: string) => Promise<OrganizationAccess | null>;
  /** The caller's access to a site from the platform scope; null when they may not see it. */
  siteObject: (site: { id: string; organizationId: string }) => Promise<SiteObjectAccess | null>;
};

/** The part of a subgraph's request context the rules read. */
export type RuleContext = { actor: Actor | null; tenant: TenantRef | null; access: AccessResolver };

const signInRequired = () => new AppError("UNAUTHENTICATED", "sign in required");

/** Signed in: an account, a site user or an API key. */
export const isAuthenticated = rule("isAuthenticated", { cache: "contextual" })(
  (_parent, _args, ctx: RuleContext) => (ctx.actor ? true : signInRequired()),
);

/** The request addresses a site (X-Tenant, its subdomain or a custom domain). */
export const inSite = rule("inSite", { cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
  ctx.tenant
    ? true
    : new AppError("BAD_USER_INPUT", "this operation needs a site: send X-Tenant or use its host"),
);

/** The request addresses the platform, not a site. */
export const onPlatform = rule("onPlatform", { cache: "contextual" })((_parent, _args, ctx: RuleContext) =>
  ctx.tenant
    ? new AppError("FORBIDDEN", "this operation belongs to the platform scope: call without X-Tenant")
    : true,
);

/** A user of the site (not an API key): what acts on "my" account. */
export const isSiteUser = rule("isSiteUser", { cache: "contextual" })((_parent, _args, ctx: RuleContext) => {
  if (!ctx.actor) return signInRequired();
  return ctx.actor.type === "user" ? true : new AppError("FORBIDDEN", "only a signed-in user may do this");
});

/** A platform account (the platform scope's principal). */
export const isAccount = rule("isAccount", { cache: "contextual" })((_parent, _args, ctx: RuleContext) => {
  if (!ctx.actor) return signInRequired();
  return ctx.actor.type === "account" ? true : new AppError("FORBIDDEN", "sign in with a platform account");
});

/** A platform superuser. */
export const isSuperuser = rule("isSuperuser", { cache: "contextual" })(
  (_parent, _args, ctx: RuleContext) => {
    if (!ctx.actor) return signInRequired();
    return ctx.actor.type === "account" && ctx.actor.superuser === true
      ? true
      : new AppError("FORBIDDEN", "only superusers may do this");
  },
);

const missing = (permission: string) => new AppError("FORBIDDEN", `requires the ${permission} permission`);

const sitePermissionRules = new Map<string, ReturnType<ReturnType<typeof rule>>>();

/** The caller holds `permission` model-wide in the addressed site (admins hold every one). */
export const hasSitePermission = (permission: SitePermission) => {
  let found = sitePermissionRules.get(permission);
  if (!found) {
    found = rule(`hasSitePermission:${permission}`, { cache: "contextual" })(
      async (_parent, _args, ctx: RuleContext) => {
        if (!ctx.actor) return signInRequired();
        return (await ctx.access.site()).has(permission) ? true : missing(permission);
      },
    );
    sitePermissionRules.set(permission, found);
  }
  return found;
};

/**
 * The caller holds `permission` on the object whose id is the argument `idArg` (of type
 * `objectType`), or model-wide. E.g. `hasSitePermissionOn("groups.manage", "Group", "groupId")`.
 * One rule per combination (graphql-shield refuses two different rules with one name).
 */
export const hasSitePermissionOn = (permission: SitePermission, objectType: string, idArg: string) => {
  const name = `hasSitePermissionOn:${permission}:${objectType}:${idArg}`;
  let found = sitePermissionRules.get(name);
  if (!found) {
    found = rule(name, { cache: "strict" })(
      async (_parent, args: Record<string, unknown>, ctx: RuleContext) => {
        if (!ctx.actor) return signInRequired();
        const id = args[idArg];
        const object = typeof id === "string" ? { type: objectType, id } : undefined;
        return (await ctx.access.site()).has(permission, object) ? true : missing(permission);
      },
    );
    sitePermissionRules.set(name, found);
  }
  return found;
};

// ---- Combinations every subgraph uses -------------------------------------------------------

/** A platform-scope operation of a signed-in platform account. */
export const platformAccount = chain(onPlatform, isAuthenticated, isAccount);

const siteHoldingRules = new Map<string, ReturnType<typeof chain>>();

/** A site-scope operation of a caller holding `permission` model-wide (UNAUTHENTICATED first). */
export const siteHolding = (permission: SitePermission) => {
  let found = siteHoldingRules.get(permission);
  if (!found) {
    found = chain(isAuthenticated, inSite, hasSitePermission(permission));
    siteHoldingRules.set(permission, found);
  }
  return found;
};
