import type { Context } from "../../context";
import { requestPasswordReset as request } from "../../domain/email/password-reset";

export const requestPasswordReset = (_: unknown, args: { email: string }, ctx: Context) =>
  request(ctx, args.email);
