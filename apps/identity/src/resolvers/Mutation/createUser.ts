import type { Context } from "../../context";
import { createUser as create } from "../../domain/users/create-user";

export const createUser = (
  _: unknown,
  args: { input: { email: string; password: string; name: string; isAdmin?: boolean | null } },
  ctx: Context,
) => create(ctx, args.input);
