import { isSitePermission, newApiKey, SITE_PERMISSION_NAMES, type SitePermission } from "@taruvi/auth";
import { isUniqueViolation } from "@taruvi/db";
import { AppError, badUserInput, notFound } from "@taruvi/errors";
import {
  auditedSiteChange,
  decodeCursor,
  diff,
  type PageArgs,
  pageSize,
  toConnection,
} from "@taruvi/subgraph-kit";
import { isUuid, parseDateTime, parseDisplayName } from "@taruvi/validation";
import type { Context } from "../../context";

/** Gateways drop a revoked key from their caches at once; this outlives any cached verification. */
const API_KEY_REVOCATION_SECONDS = 3600;

/**
 * How long the keys of a deactivated user stay on the revocation list: longer than a gateway
 * caches a verified key (30 s). After that a gateway's own lookup refuses them (it checks the
 * creator is active), and a restored user's keys work again.
 */
const CREATOR_DEACTIVATED_SECONDS = 120;

/**
 * Every gateway refuses the keys `userId` made from now on (within a second across replicas):
 * called after the user's deactivation commits.
 */
export const denyKeysOf = async (ctx: Context, userId: string): Promise<void> => {
  const keys = await ctx.db.apiKey.findMany({
    where: { createdById: userId, revokedAt: null },
    select: { id: true },
  });
  await Promise.all(
    keys.map((k) => ctx.services.revocations.revoke("apiKey", k.id, CREATOR_DEACTIVATED_SECONDS)),
  );
};

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

/** Site permission names, without repeats; BAD_USER_INPUT on `scopes` listing the valid ones. */
const parseScopes = (value: unknown): SitePermission[] => {
  if (!Array.isArray(value)) throw badUserInput("scopes", "must be a list of permission names");
  for (const scope of value) {
    if (!isSitePermission(scope)) {
      throw badUserInput(
        "scopes",
        `${JSON.stringify(scope)} is not a site permission; use any of ${SITE_PERMISSION_NAMES.join(", ")}`,
      );
    }
  }
  return [...new Set(value as SitePermission[])].sort();
};

/** Null (never), or an ISO 8601 date-time in the future and not beyond year 9999. */
const parseExpiry = (value: unknown): Date | null => {
  if (value === undefined || value === null) return null;
  const date = parseDateTime(value, "expiresAt");
  if (date.getTime() <= Date.now()) throw badUserInput("expiresAt", "must be in the future");
  return date;
};

/**
 * A new API key of this site (apikeys.manage). Its scopes must be site permissions the creator
 * holds model-wide: a key never carries more than whoever made it (FORBIDDEN on `scopes`).
 * The key is returned here only; a hash is stored, and `api_key.created` records the name,
 * scopes and expiry, never the key.
 */
export const createApiKey = async (
  ctx: Context,
  input: { name?: unknown; scopes?: unknown; expiresAt?: unknown },
): Promise<{ key: string; apiKey: ApiKeyView }> => {
  // A key is bounded by the user who made it; a key making keys would outlive that bound.
  if (ctx.actor?.type !== "user") {
    throw new AppError("FORBIDDEN", "only a signed-in user can create API keys; an API key cannot");
  }
  const name = parseDisplayName(input.name);
  const scopes = parseScopes(input.scopes);
  const expiresAt = parseExpiry(input.expiresAt);
  const access = await ctx.access.site();
  const lacking = scopes.filter((scope) => !access.has(scope));
  if (lacking.length > 0) {
    throw new AppError("FORBIDDEN", `scopes: you do not hold ${lacking.join(", ")}`, { field: "scopes" });
  }
  // The creator bounds the key for its whole life: what the key holds is always intersected
  // with what the creator currently holds (packages/subgraph-kit/src/access.ts).
  const createdById = ctx.actor.id;
  for (let attempt = 1; ; attempt += 1) {
    const { key, prefix, hash } = newApiKey();
    try {
      const apiKey = await auditedSiteChange(ctx, async (tx) => {
        const created = await tx.apiKey.create({
          data: { name, prefix, keyHash: hash, scopes, expiresAt, createdById },
          select: API_KEY_VIEW,
        });
        return {
          result: created,
          audit: {
            action: "api_key.created",
            entityType: "ApiKey",
            entityId: created.id,
            changes: diff(null, { name, scopes, expiresAt }),
          },
        };
      });
      ctx.logger.info({ apiKeyId: apiKey.id }, "API key created");
      return { key, apiKey };
    } catch (error) {
      // 48 random bits of prefix: a collision is rare; try a fresh key.
      if (!isUniqueViolation(error) || attempt >= 3) throw error;
    }
  }
};

/** This site's API keys, oldest first (apikeys.manage). */
export const findApiKeys = (ctx: Context): Promise<ApiKeyView[]> =>
  ctx.db.apiKey.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: API_KEY_VIEW });

export type ApiKeyFilter = { search?: string | null; revoked?: boolean | null };

/** This site's API keys in pages, oldest first (apikeys.manage), by name or prefix and revocation. */
export const findApiKeysPage = async (ctx: Context, args: PageArgs & { filter?: ApiKeyFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const search = args.filter?.search?.trim();
  const revoked = args.filter?.revoked;
  const rows = await ctx.db.apiKey.findMany({
    where: {
      AND: [
        ...(typeof revoked === "boolean" ? [{ revokedAt: revoked ? { not: null } : null }] : []),
        ...(search
          ? [
              {
                OR: [
                  { name: { contains: search, mode: "insensitive" as const } },
                  { prefix: { contains: search, mode: "insensitive" as const } },
                ],
              },
            ]
          : []),
        ...(after
          ? [{ OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] }]
          : []),
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: size + 1,
    select: API_KEY_VIEW,
  });
  return toConnection(rows, size, (k) => ({ at: k.createdAt, id: k.id }));
};

/** One API key of this site for a holder of apikeys.manage; null otherwise or when unknown. */
export const findApiKey = async (ctx: Context, id: string): Promise<ApiKeyView | null> => {
  if (!ctx.tenant || !isUuid(id)) return null;
  if (!(await ctx.access.site()).has("apikeys.manage")) return null;
  return ctx.db.apiKey.findUnique({ where: { id }, select: API_KEY_VIEW });
};

/**
 * Revokes a key of this site (apikeys.manage): `api_key.revoked` in the same transaction (a
 * repeat changes nothing and its event has no changes), then every gateway refuses the key
 * within a second.
 */
export const revokeApiKey = async (ctx: Context, id: unknown): Promise<ApiKeyView> => {
  const revoked = await auditedSiteChange(ctx, async (tx) => {
    const key = isUuid(id) ? await tx.apiKey.findUnique({ where: { id }, select: API_KEY_VIEW }) : null;
    if (!key) throw notFound("API key");
    const after =
      key.revokedAt === null
        ? await tx.apiKey.update({
            where: { id: key.id },
            data: { revokedAt: new Date() },
            select: API_KEY_VIEW,
          })
        : key;
    return {
      result: after,
      audit: {
        action: "api_key.revoked",
        entityType: "ApiKey",
        entityId: key.id,
        changes: diff({ revokedAt: key.revokedAt }, { revokedAt: after.revokedAt }),
      },
    };
  });
  // Announced again on a retry: a lost announcement must not leave the key usable from a cache.
  await ctx.services.revocations.revoke("apiKey", revoked.id, API_KEY_REVOCATION_SECONDS);
  ctx.logger.info({ apiKeyId: revoked.id }, "API key revoked");
  return revoked;
};
