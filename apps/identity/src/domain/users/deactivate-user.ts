import { badUserInput } from "@taruvi/errors";
import { auditedSiteChange, diff } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { denyKeysOf } from "../access/api-keys";
import { siteScopeIn } from "../sessions/scope";
import { denyFamilies, revokeAllSessions } from "../sessions/sessions";
import { getSiteUser, getSiteUserIn } from "./find-users";
import { requireHoldsWhatTheyHold } from "./target-access";
import { USER_VIEW, type UserView, userView } from "./user-views";

/**
 * Sets a user's isActive in one transaction with its event (`user.deactivated` or
 * `user.restored`; a repeat changes nothing and its event has no changes). Deactivation also
 * revokes every session, also when already inactive (a retry must leave no session behind).
 */
const setActive = async (ctx: Context, id: unknown, isActive: boolean): Promise<UserView> => {
  const current = await getSiteUser(ctx, id);
  if (!isActive && ctx.actor?.id === current.id) throw badUserInput("id", "you cannot deactivate yourself");
  // Restoring a user gives their access back; deactivating one locks them out: either takes
  // everything they hold, so a manager cannot lock out or revive someone above them.
  await requireHoldsWhatTheyHold(ctx, current, isActive ? "restore" : "deactivate");
  const { user, families } = await auditedSiteChange(ctx, async (tx) => {
    const before = await getSiteUserIn(tx, current.id);
    const after =
      before.isActive === isActive
        ? before
        : userView(await tx.user.update({ where: { id: before.id }, data: { isActive }, select: USER_VIEW }));
    const ended = isActive ? [] : await revokeAllSessions(siteScopeIn(ctx, tx), before.id);
    return {
      result: { user: after, families: ended },
      audit: {
        action: isActive ? "user.restored" : "user.deactivated",
        entityType: "User",
        entityId: before.id,
        changes: diff({ isActive: before.isActive }, { isActive: after.isActive }),
      },
    };
  });
  await denyFamilies(ctx, families);
  // A deactivated user's API keys stop working with them (keys are bounded by their creator).
  if (!isActive) await denyKeysOf(ctx, user.id);
  return user;
};

/** Deactivates a site user: signing in fails and every session ends at once. */
export const deactivateUser = (ctx: Context, id: unknown): Promise<UserView> => setActive(ctx, id, false);

/** Lets a deactivated site user sign in again (old sessions stay ended). */
export const restoreUser = (ctx: Context, id: unknown): Promise<UserView> => setActive(ctx, id, true);
