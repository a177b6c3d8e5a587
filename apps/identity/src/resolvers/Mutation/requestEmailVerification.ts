import type { Context } from "../../context";
import { requestEmailVerification as request } from "../../domain/email/email-verification";

export const requestEmailVerification = (_: unknown, _args: unknown, ctx: Context) => request(ctx);
