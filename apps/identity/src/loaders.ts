import { byId, type RequestContext } from "@taruvi/subgraph-kit";
import type { UserView } from "./context";
import { findUserViews } from "./domain/user-views";

/** Users by id in the request's scope: site users in a site, accounts on the platform. */
export const createLoaders = (ctx: Omit<RequestContext, "loaders" | "services">) => ({
  userById: byId<UserView>((ids) => findUserViews(ctx, { id: { in: [...ids] } })),
});
