import { isAuthenticated, isSuperuser, platformAccount } from "@taruvi/auth";
import type { SubgraphRules } from "@taruvi/subgraph-kit";
import { chain } from "graphql-shield";

/**
 * A signed-in platform account, in the platform scope: everything this subgraph serves. Which
 * organization the caller may see (NOT_FOUND) or change (FORBIDDEN) is decided by the domain
 * through `ctx.access` (roles and grants). Deny by default: every root field named; the
 * Organization entity needs a signed-in caller.
 */
export const rules: SubgraphRules = {
  Query: {
    organizations: platformAccount,
    organization: platformAccount,
    invitations: platformAccount,
    invitationsConnection: platformAccount,
    platformOrganizations: chain(platformAccount, isSuperuser),
  },
  Mutation: {
    createOrganization: platformAccount,
    updateOrganization: platformAccount,
    updateMemberRole: platformAccount,
    removeMember: platformAccount,
    inviteMember: platformAccount,
    acceptInvitation: platformAccount,
    resendInvitation: platformAccount,
    revokeInvitation: platformAccount,
  },
  // Reached through Site.organization; __resolveReference answers null for an organization
  // the caller may not see (a site grantee who is not a member learns nothing of its members).
  Organization: isAuthenticated,
};
