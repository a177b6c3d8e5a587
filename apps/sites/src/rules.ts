import { isAuthenticated, isSuperuser, platformAccount, siteHolding } from "@taruvi/auth";
import type { SubgraphRules } from "@taruvi/subgraph-kit";
import { allow, chain } from "graphql-shield";

/**
 * Site management: a signed-in platform account, in the platform scope. Which site the caller
 * may see (NOT_FOUND) or change (FORBIDDEN) is decided by the domain through `ctx.access`
 * (organization roles, organization and site grants). Deny by default: every root field named;
 * every resolvable entity needs a signed-in caller.
 */
export const rules: SubgraphRules = {
  Query: {
    site: platformAccount,
    // Platform-wide lists and health: operators (superusers) only.
    platformSites: chain(platformAccount, isSuperuser),
    systemStatus: chain(platformAccount, isSuperuser),
    // The addressed site was resolved (and refused if suspended) by the gateway; anyone may ask.
    currentSite: allow,
  },
  Mutation: {
    createSite: platformAccount,
    updateSite: platformAccount,
    suspendSite: platformAccount,
    resumeSite: platformAccount,
    deleteSite: platformAccount,
    restoreSite: platformAccount,
    addDomain: platformAccount,
    verifyDomain: platformAccount,
    setPrimaryDomain: platformAccount,
    removeDomain: platformAccount,
    createSiteUser: platformAccount,
    updateSiteSettings: siteHolding("settings.manage"),
  },
  // Entity fetches answer null for a site, domain or organization the caller may not see.
  Site: isAuthenticated,
  Domain: isAuthenticated,
  Organization: isAuthenticated,
};
