import type { Context } from "../../context";
import { sendPasswordReset as send } from "../../domain/email/password-reset";

export const sendPasswordReset = (_: unknown, args: { userId: string }, ctx: Context) =>
  send(ctx, args.userId);
