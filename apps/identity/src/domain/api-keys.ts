import { newApiKey } from "@taruvi/auth";
import { isUniqueViolation } from "@taruvi/db";
import { AppError, badUserInput, notFound } from "@taruvi/errors";
import { isUuid, parseDisplayName } from "@taruvi/tenancy";
import type { Context } from "../context";
import { recordAudit } from "./audit";
import { requireSiteAdmin } from "./permissions";

/** Gateways drop a revoked key from their caches at once; this outlives any cached verification. */
const API_KEY_REVOCATION_SECONDS = 3600;
const SCOPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const MAX_SCOPES = 50;

export const API_KEY_VIEW = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
} as const;

export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
};

const parseScopes = (value: unknown): string[] => {
  if (!Array.isArray(value)) throw badUserInput("scopes", "must be a list of permission names");
  if (value.length > MAX_SCOPES) throw badUserInput("scopes", `must hold at most ${MAX_SCOPES} entries`);
  for (const scope of value) {
    if (typeof scope !== "string" || scope.length > 64 || !SCOPE.test(scope)) {
      throw badUserInput("scopes", `${JSON.stringify(scope)} is not a permission name like users.view`);
    }
  }
  return [...new Set(value as string[])];
};

const parseExpiry = (value: unknown): Date | null => {
  if (value === undefined || value === null) return null;
  const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw badUserInput("expiresAt", "must be an ISO 8601 date-time");
  if (date.getTime() <= Date.now()) throw badUserInput("expiresAt", "must be in the future");
  return date;
};

/** A new API key of this site (site admins). The key is returned here only; a hash is stored. */
export const createApiKey = async (
  ctx: Context,
  input: { name?: unknown; scopes?: unknown; expiresAt?: unknown },
): Promise<{ key: string; apiKey: ApiKeyView }> => {
  const actor = await requireSiteAdmin(ctx);
  const name = parseDisplayName(input.name);
  const scopes = parseScopes(input.scopes);
  const expiresAt = parseExpiry(input.expiresAt);
  for (let attempt = 1; ; attempt += 1) {
    const { key, prefix, hash } = newApiKey();
    try {
      const apiKey = await ctx.db.apiKey.create({
        data: { name, prefix, keyHash: hash, scopes, expiresAt, createdById: actor.id },
        select: API_KEY_VIEW,
      });
      await recordAudit(ctx, {
        action: "api_key.created",
        entityType: "ApiKey",
        entityId: apiKey.id,
        changes: { name, prefix, scopes, expiresAt: expiresAt?.toISOString() ?? null },
      });
      ctx.logger.info({ apiKeyId: apiKey.id }, "API key created");
      return { key, apiKey };
    } catch (error) {
      // 48 random bits of prefix: a collision is rare; try a fresh key.
      if (!isUniqueViolation(error) || attempt >= 3) throw error;
    }
  }
};

/** This site's API keys, oldest first (site admins). */
export const findApiKeys = async (ctx: Context): Promise<ApiKeyView[]> => {
  await requireSiteAdmin(ctx);
  return ctx.db.apiKey.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: API_KEY_VIEW });
};

/** One API key of this site for a site admin; null otherwise. */
export const findApiKey = async (ctx: Context, id: string): Promise<ApiKeyView | null> => {
  if (!ctx.tenant || !isUuid(id)) return null;
  try {
    await requireSiteAdmin(ctx);
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
  return ctx.db.apiKey.findUnique({ where: { id }, select: API_KEY_VIEW });
};

/** Revokes a key of this site: every gateway refuses it within a second. Idempotent. */
export const revokeApiKey = async (ctx: Context, id: unknown): Promise<ApiKeyView> => {
  await requireSiteAdmin(ctx);
  const key = isUuid(id) ? await ctx.db.apiKey.findUnique({ where: { id }, select: API_KEY_VIEW }) : null;
  if (!key) throw notFound("API key");
  const revoked =
    key.revokedAt === null
      ? await ctx.db.apiKey.update({
          where: { id: key.id },
          data: { revokedAt: new Date() },
          select: API_KEY_VIEW,
        })
      : key;
  // Announced again on a retry: a lost announcement must not leave the key usable from a cache.
  await ctx.services.revocations.revoke("apiKey", key.id, API_KEY_REVOCATION_SECONDS);
  if (key.revokedAt !== null) return key;
  await recordAudit(ctx, {
    action: "api_key.revoked",
    entityType: "ApiKey",
    entityId: key.id,
    changes: { revokedAt: revoked.revokedAt?.toISOString() },
  });
  ctx.logger.info({ apiKeyId: key.id }, "API key revoked");
  return revoked;
};
