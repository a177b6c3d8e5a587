import type { Context } from "../../context";
import { resetPassword as reset } from "../../domain/email/password-reset";

export const resetPassword = (_: unknown, args: { token: string; password: string }, ctx: Context) =>
  reset(ctx, { token: args.token, password: args.password });
