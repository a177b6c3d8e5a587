import type { Context } from "../../context";
import { type UpdateUserInput, updateUser as update } from "../../domain/users/update-user";

export const updateUser = (_: unknown, args: { id: string; input: UpdateUserInput }, ctx: Context) =>
  update(ctx, args.id, args.input);
