import type { Context } from "../../context";
import { acceptInvitation as accept } from "../../domain/accept-invitation";

export const acceptInvitation = (_: unknown, args: { token: string }, ctx: Context) =>
  accept(ctx, args.token);
