import type { Context } from "../../context";
import { refreshSession as refresh } from "../../domain/sessions/refresh-session";

export const refreshSession = (_: unknown, args: { refreshToken: string }, ctx: Context) =>
  refresh(ctx, args.refreshToken);
