import type { Context } from "../../context";
import { changeMyEmail as change } from "../../domain/sessions/my-credentials";

export const changeMyEmail = (
  _: unknown,
  args: { currentPassword: string; newEmail: string },
  ctx: Context,
) => change(ctx, args);
