import type { Context } from "../context";
import { type ApiKeyView, findApiKey } from "../domain/access/api-keys";

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const ApiKey = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findApiKey(ctx, ref.id),
  expiresAt: (key: ApiKeyView) => iso(key.expiresAt),
  revokedAt: (key: ApiKeyView) => iso(key.revokedAt),
  lastUsedAt: (key: ApiKeyView) => iso(key.lastUsedAt),
  createdAt: (key: ApiKeyView) => key.createdAt.toISOString(),
};
