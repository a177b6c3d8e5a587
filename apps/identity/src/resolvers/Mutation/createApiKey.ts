import type { Context } from "../../context";
import { createApiKey as create } from "../../domain/access/api-keys";

export const createApiKey = (
  _: unknown,
  args: { input: { name: string; scopes: string[]; expiresAt?: string | null } },
  ctx: Context,
) => create(ctx, args.input);
