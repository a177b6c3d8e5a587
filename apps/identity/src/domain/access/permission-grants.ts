import type { Context } from "../../context";
import { findPlatformGrants, grantPlatformPermission, revokePlatformPermission } from "./platform-grants";
import { findSiteGrants, grantSitePermission, revokeSitePermission } from "./site-grants";

/** A grant as the API shows it, in either scope. */
export type GrantView = {
  id: string;
  permission: string;
  principalType: "USER" | "GROUP" | "API_KEY" | "ACCOUNT";
  principalId: string;
  objectType: string | null;
  objectId: string | null;
  createdAt: Date;
};

/** grantPermission's input; which fields apply depends on the scope. */
export type GrantInput = {
  permission?: unknown;
  userId?: unknown;
  groupId?: unknown;
  apiKeyId?: unknown;
  accountId?: unknown;
  objectType?: unknown;
  objectId?: unknown;
};

/** The fields of a grant the audit trail records (before or after). */
export const grantFields = (grant: GrantView) => ({
  permission: grant.permission,
  principalType: grant.principalType,
  principalId: grant.principalId,
  objectType: grant.objectType,
  objectId: grant.objectId,
});

/**
 * Grants a permission in the request's scope: to a user, group or API key of the site, or to a
 * platform account on an organization or site. Granting what is already granted returns the
 * existing grant and changes nothing (no second row, no event).
 */
export const grantPermission = (ctx: Context, input: GrantInput): Promise<GrantView> =>
  ctx.tenant ? grantSitePermission(ctx, input) : grantPlatformPermission(ctx, input);

/** Revokes a grant of the request's scope, with the authority granting it needs. */
export const revokePermission = (ctx: Context, id: unknown): Promise<boolean> =>
  ctx.tenant ? revokeSitePermission(ctx, id) : revokePlatformPermission(ctx, id);

export type GrantFilter = {
  principalId?: string | null;
  objectType?: string | null;
  objectId?: string | null;
};

/** Grants of the request's scope the caller may manage, oldest first. */
export const findPermissionGrants = (ctx: Context, filter: GrantFilter): Promise<GrantView[]> =>
  ctx.tenant ? findSiteGrants(ctx, filter) : findPlatformGrants(ctx, filter);
