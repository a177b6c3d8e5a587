import type { Context } from "../../context";
import type { GrantFilter, GrantInput, GrantView } from "./grant-views";
import { findPlatformGrants, grantPlatformPermission, revokePlatformPermission } from "./platform-grants";
import { findSiteGrants, grantSitePermission, revokeSitePermission } from "./site-grants";

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

/** Grants of the request's scope the caller may manage, oldest first. */
export const findPermissionGrants = (ctx: Context, filter: GrantFilter): Promise<GrantView[]> =>
  ctx.tenant ? findSiteGrants(ctx, filter) : findPlatformGrants(ctx, filter);
