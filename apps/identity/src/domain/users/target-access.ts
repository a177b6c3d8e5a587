import { evaluateSiteAccess, isSitePermission, type SiteGrant } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import type { Context } from "../../context";
import { requireSiteAdmin } from "./site-admin";

/**
 * Taking over a user (changing their email, then resetting the password; deactivating or
 * restoring them) hands the caller what that user holds. So it takes everything the target holds,
 * the rule group membership uses: an administrator only by an administrator, anyone else only by
 * a caller holding each of the target's permissions (model-wide, or on the same object).
 * FORBIDDEN naming what is lacking otherwise.
 */
export const requireHoldsWhatTheyHold = async (
  ctx: Context,
  target: { id: string; isAdmin: boolean },
  what: string,
): Promise<void> => {
  if (target.isAdmin) return requireSiteAdmin(ctx, `${what} an administrator`);
  const caller = await ctx.access.site();
  if (caller.admin) return;
  const grants: SiteGrant[] = await ctx.db.permissionGrant.findMany({
    where: { OR: [{ userId: target.id }, { group: { members: { some: { userId: target.id } } } }] },
    select: { permission: true, objectType: true, objectId: true },
  });
  const held = evaluateSiteAccess({ admin: false, grants });
  const lacking = [
    ...held.permissions.filter((permission) => !caller.has(permission)),
    ...held.objectGrants
      .filter(
        (g) =>
          isSitePermission(g.permission) && !caller.has(g.permission, { type: g.objectType, id: g.objectId }),
      )
      .map((g) => g.permission),
  ];
  if (lacking.length > 0) {
    const names = [...new Set(lacking)].sort().join(", ");
    throw new AppError("FORBIDDEN", `to ${what} this user you must hold what they hold: you lack ${names}`);
  }
};
