import { badUserInput } from "@taruvi/errors";
import type { Context, UserView } from "../context";
import { recordAudit } from "./audit";
import { getSiteUser } from "./find-users";
import { requireSiteAdmin, SCOPES } from "./permissions";
import { scopeOf } from "./scope";
import { endAllSessions } from "./sessions";
import { USER_VIEW, userView } from "./user-views";

const setActive = async (ctx: Context, id: unknown, isActive: boolean): Promise<UserView> => {
  const actor = await requireSiteAdmin(ctx, SCOPES.manageUsers);
  const user = await getSiteUser(ctx, id);
  if (!isActive && actor.id === user.id) throw badUserInput("id", "you cannot deactivate yourself");
  if (user.isActive === isActive) return user;
  const updated = userView(
    await ctx.db.user.update({ where: { id: user.id }, data: { isActive }, select: USER_VIEW }),
  );
  await recordAudit(ctx, {
    action: isActive ? "user.restored" : "user.deactivated",
    entityType: "User",
    entityId: user.id,
    changes: { isActive: { before: !isActive, after: isActive } },
  });
  return updated;
};

/** Deactivates a site user: signing in fails and every session ends at once. */
export const deactivateUser = async (ctx: Context, id: unknown): Promise<UserView> => {
  const user = await setActive(ctx, id, false);
  // Also when already inactive: a retry must leave no session behind.
  await endAllSessions(ctx, scopeOf(ctx), user.id);
  return user;
};

/** Lets a deactivated site user sign in again (old sessions stay ended). */
export const restoreUser = (ctx: Context, id: unknown): Promise<UserView> => setActive(ctx, id, true);
