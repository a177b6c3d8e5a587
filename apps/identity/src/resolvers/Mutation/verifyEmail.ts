import type { Context } from "../../context";
import { verifyEmail as verify } from "../../domain/email/email-verification";

export const verifyEmail = (_: unknown, args: { token: string }, ctx: Context) => verify(ctx, args.token);
