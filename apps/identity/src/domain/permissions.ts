import type { Actor } from "@taruvi/auth";
import { AppError } from "@taruvi/errors";
import { requireActor, requireSite } from "@taruvi/subgraph-kit";
import type { Context } from "../context";

/** API key scopes this subgraph understands. */
export const SCOPES = { viewUsers: "users.view", manageUsers: "users.manage" } as const;

const hasScope = (actor: Actor, scope: string) => actor.type === "api_key" && actor.scopes?.includes(scope);

/**
 * The caller may manage this site's users and API keys: an active site admin, or an API key
 * holding `apiKeyScope` when one is given. The one place this is decided, until permissions
 * (a later issue) replace it.
 */
export const requireSiteAdmin = async (ctx: Context, apiKeyScope?: string): Promise<Actor> => {
  requireSite(ctx);
  const actor = requireActor(ctx);
  if (actor.type === "user") {
    const user = await ctx.loaders.userById.load(actor.id);
    if (user?.isActive && user.isAdmin) return actor;
  } else if (apiKeyScope && hasScope(actor, apiKeyScope)) {
    return actor;
  }
  throw new AppError("FORBIDDEN", "only site administrators may do this");
};

/**
 * Who may list the users of the scope: in a site its signed-in users and API keys with
 * users.view (or users.manage); on the platform, superusers.
 */
export const mayListUsers = (ctx: Context): boolean => {
  const actor = requireActor(ctx);
  if (!ctx.tenant) return actor.type === "account" && actor.superuser === true;
  if (actor.type === "user") return true;
  return Boolean(hasScope(actor, SCOPES.viewUsers) || hasScope(actor, SCOPES.manageUsers));
};
