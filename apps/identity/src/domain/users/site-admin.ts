import { AppError } from "@taruvi/errors";
import type { Context } from "../../context";

/**
 * FORBIDDEN (naming `field` when given) unless the caller is a site administrator. Holding
 * users.manage lets a caller manage users, not administrators: making someone an administrator,
 * or changing, deactivating or restoring one, would hand out more than the caller holds.
 */
export const requireSiteAdmin = async (ctx: Context, why: string, field?: string): Promise<void> => {
  if ((await ctx.access.site()).admin) return;
  throw new AppError("FORBIDDEN", `only site administrators may ${why}`, field ? { field } : {});
};
