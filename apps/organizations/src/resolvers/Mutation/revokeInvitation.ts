import type { Context } from "../../context";
import { revokeInvitation as revoke } from "../../domain/manage-invitations";

export const revokeInvitation = (_: unknown, args: { id: string }, ctx: Context) => revoke(ctx, args.id);
