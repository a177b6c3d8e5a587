import { byId, type RequestContext } from "@taruvi/subgraph-kit";
import type { UserView } from "./context";

const VIEW = { id: true, email: true, name: true, isActive: true, createdAt: true } as const;

/** Users by id in the request's scope: site users in a site, accounts on the platform. */
export const createLoaders = (ctx: Omit<RequestContext, "loaders">) => ({
  userById: byId<UserView>((ids) =>
    ctx.tenant
      ? ctx.db.user.findMany({ where: { id: { in: [...ids] } }, select: VIEW })
      : ctx.platform.account.findMany({ where: { id: { in: [...ids] } }, select: VIEW }),
  ),
});
