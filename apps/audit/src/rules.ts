import { hasSitePermission, inSite, isAccount, isAuthenticated, onPlatform } from "@taruvi/auth";
import type { SubgraphRules } from "@taruvi/subgraph-kit";
import { chain, or } from "graphql-shield";

/**
 * Reading the audit trail: signed in, then in a site audit.view (users and API keys alike), on
 * the platform a platform account (what it sees is filtered by the domain: an empty list for a
 * plain member, since the list is a filtered view, not one object). A site caller without
 * audit.view gets FORBIDDEN "requires the audit.view permission": `or` answers with the first
 * branch's error.
 */
export const readsAuditTrail = chain(
  isAuthenticated,
  or(chain(inSite, hasSitePermission("audit.view")), chain(onPlatform, isAccount)),
);

/** Deny by default (packages/subgraph-kit/src/shield.ts): every entry point of this subgraph. */
export const auditRules: SubgraphRules = {
  Query: { auditEvents: readsAuditTrail },
  // `_entities`: the same rule per AuditEvent representation; the loader then hides events of
  // the platform the caller may not see (null).
  AuditEvent: readsAuditTrail,
};
