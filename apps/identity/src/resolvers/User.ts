import { isUuid } from "@taruvi/validation";
import type { Context } from "../context";
import type { UserView } from "../domain/users/user-views";

export const User = {
  __resolveReference: (ref: { id: string }, ctx: Context) =>
    isUuid(ref.id) ? ctx.loaders.userById.load(ref.id) : null,
  createdAt: (user: UserView) => user.createdAt.toISOString(),
};
