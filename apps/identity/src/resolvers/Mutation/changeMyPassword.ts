import type { Context } from "../../context";
import { changeMyPassword as change } from "../../domain/sessions/my-credentials";

export const changeMyPassword = (
  _: unknown,
  args: { currentPassword: string; newPassword: string },
  ctx: Context,
) => change(ctx, args);
