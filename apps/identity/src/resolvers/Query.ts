import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { findApiKeys } from "../domain/api-keys";
import { findMe, findUser, findUsers, type UserFilter } from "../domain/find-users";

export const Query = {
  me: (_: unknown, __: unknown, ctx: Context) => findMe(ctx),
  user: (_: unknown, args: { id: string }, ctx: Context) => findUser(ctx, args.id),
  users: (_: unknown, args: PageArgs & { filter?: UserFilter | null }, ctx: Context) => findUsers(ctx, args),
  apiKeys: (_: unknown, __: unknown, ctx: Context) => findApiKeys(ctx),
};
