import type { Context } from "../../context";
import { resendInvitation as resend } from "../../domain/manage-invitations";

export const resendInvitation = (_: unknown, args: { id: string }, ctx: Context) => resend(ctx, args.id);
