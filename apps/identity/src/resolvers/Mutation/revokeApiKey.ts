import type { Context } from "../../context";
import { revokeApiKey as revoke } from "../../domain/access/api-keys";

export const revokeApiKey = (_: unknown, args: { id: string }, ctx: Context) => revoke(ctx, args.id);
