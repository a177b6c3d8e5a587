import {
  isSitePermission,
  SITE_PERMISSION_NAMES,
  type SiteAccess,
  type SiteObjectRef,
  type SitePermission,
} from "@taruvi/auth";
import type { TenantClient } from "@taruvi/db";
import { AppError, badUserInput, notFound } from "@taruvi/errors";
import { auditedSiteChange, diff, requireSite } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../../context";
import {
  GRANT_SELECT,
  type GrantFilter,
  type GrantInput,
  type GrantView,
  grantFields,
  siteGrantView,
} from "./grant-views";

/** Site objects a permission may be granted on, and the permissions that make sense on each. */
export const SITE_OBJECT_TYPES = {
  User: ["users.view", "users.manage"],
  Group: ["groups.view", "groups.manage"],
  ApiKey: ["apikeys.manage"],
} as const satisfies Record<string, readonly SitePermission[]>;

type SiteObjectType = keyof typeof SITE_OBJECT_TYPES;

const isSiteObjectType = (value: unknown): value is SiteObjectType =>
  typeof value === "string" && Object.hasOwn(SITE_OBJECT_TYPES, value);

const given = (value: unknown) => value !== undefined && value !== null;

const PRINCIPALS = [
  ["userId", "USER"],
  ["groupId", "GROUP"],
  ["apiKeyId", "API_KEY"],
] as const;

type SiteGrant = {
  permission: SitePermission;
  principal: { field: "userId" | "groupId" | "apiKeyId"; type: "USER" | "GROUP" | "API_KEY"; id: string };
  object: { type: SiteObjectType; id: string } | null;
};

/** A site grant's input, checked field by field (BAD_USER_INPUT naming the field). */
const parseSiteGrant = (input: GrantInput): SiteGrant => {
  if (given(input.accountId)) {
    throw badUserInput(
      "accountId",
      "is for platform grants; in a site grant to a userId, groupId or apiKeyId",
    );
  }
  const named = PRINCIPALS.filter(([field]) => given(input[field]));
  const [first, second] = named;
  if (!first || second) {
    throw badUserInput(second?.[0] ?? "userId", "give exactly one of userId, groupId or apiKeyId");
  }
  const [field, type] = first;
  const principalId = input[field];
  if (typeof principalId !== "string") throw badUserInput(field, "must be an id");
  if (!isSitePermission(input.permission)) {
    throw badUserInput(
      "permission",
      `${JSON.stringify(input.permission)} is not a site permission; use one of ${SITE_PERMISSION_NAMES.join(", ")}`,
    );
  }
  const permission = input.permission;
  if (given(input.objectType) !== given(input.objectId)) {
    throw badUserInput(
      given(input.objectType) ? "objectId" : "objectType",
      "objectType and objectId go together",
    );
  }
  if (!given(input.objectType))
    return { permission, principal: { field, type, id: principalId }, object: null };
  if (!isSiteObjectType(input.objectType)) {
    throw badUserInput("objectType", `must be one of ${Object.keys(SITE_OBJECT_TYPES).join(", ")}`);
  }
  const objectType = input.objectType;
  const applicable: readonly SitePermission[] = SITE_OBJECT_TYPES[objectType];
  if (!applicable.includes(permission)) {
    throw badUserInput(
      "permission",
      `cannot be granted on one ${objectType}; use one of ${applicable.join(", ")}`,
    );
  }
  if (typeof input.objectId !== "string") throw badUserInput("objectId", "must be an id");
  return {
    permission,
    principal: { field, type, id: principalId },
    object: { type: objectType, id: input.objectId },
  };
};

type SiteDb = Pick<TenantClient, "user" | "group" | "apiKey">;

/** NOT_FOUND unless the site has this user, group or API key. */
const mustExist = async (db: SiteDb, type: "User" | "Group" | "ApiKey", id: string): Promise<void> => {
  const where = { where: { id }, select: { id: true } };
  const found = !isUuid(id)
    ? null
    : type === "User"
      ? await db.user.findUnique(where)
      : type === "Group"
        ? await db.group.findUnique(where)
        : await db.apiKey.findUnique(where);
  if (!found) throw notFound(type === "ApiKey" ? "API key" : type.toLowerCase());
};

const PRINCIPAL_OBJECT = { USER: "User", GROUP: "Group", API_KEY: "ApiKey" } as const;

/** FORBIDDEN unless the caller holds `permission` (on `object`, or model-wide): nobody hands out more. */
const requireHeld = (access: SiteAccess, permission: SitePermission, object: SiteObjectRef | undefined) => {
  if (access.has(permission, object)) return;
  throw new AppError(
    "FORBIDDEN",
    `permission: you can only grant or revoke what you hold, and you do not hold ${permission}${object ? ` on this ${object.type}` : ""}`,
    { field: "permission" },
  );
};

/**
 * Grants a site permission to a user, group or API key of the site, model-wide or on one object
 * (permissions.manage, and the caller must hold the permission). A repeat returns the existing
 * grant and writes nothing; concurrent repeats are serialized by an advisory lock on the grant.
 */
export const grantSitePermission = async (ctx: Context, input: GrantInput): Promise<GrantView> => {
  const tenant = requireSite(ctx);
  const grant = parseSiteGrant(input);
  requireHeld(await ctx.access.site(), grant.permission, grant.object ?? undefined);
  await mustExist(ctx.db, PRINCIPAL_OBJECT[grant.principal.type], grant.principal.id);
  if (grant.object) await mustExist(ctx.db, grant.object.type, grant.object.id);

  const where = {
    permission: grant.permission,
    principalType: grant.principal.type,
    [grant.principal.field]: grant.principal.id,
    objectType: grant.object?.type ?? null,
    objectId: grant.object?.id ?? null,
  };
  return auditedSiteChange(ctx, async (tx) => {
    const key = [
      tenant.schema,
      grant.permission,
      grant.principal.id,
      grant.object?.type,
      grant.object?.id,
    ].join("|");
    await tx.$queryRawUnsafe("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text", key);
    const existing = await tx.permissionGrant.findFirst({ where, select: GRANT_SELECT });
    if (existing) return { result: siteGrantView(existing), audit: null };
    const created = siteGrantView(
      await tx.permissionGrant.create({
        data: { ...where, grantedById: ctx.actor?.type === "user" ? ctx.actor.id : null },
        select: GRANT_SELECT,
      }),
    );
    return {
      result: created,
      audit: {
        action: "permission.granted",
        entityType: "PermissionGrant",
        entityId: created.id,
        changes: diff(null, grantFields(created)),
      },
    };
  });
};

/** Revokes a site grant (permissions.manage, and holding what it grants); NOT_FOUND when unknown. */
export const revokeSitePermission = async (ctx: Context, id: unknown): Promise<boolean> => {
  const access = await ctx.access.site();
  return auditedSiteChange(ctx, async (tx) => {
    const row = isUuid(id)
      ? await tx.permissionGrant.findUnique({ where: { id }, select: GRANT_SELECT })
      : null;
    if (!row) throw notFound("permission grant");
    const grant = siteGrantView(row);
    if (isSitePermission(grant.permission)) {
      requireHeld(
        access,
        grant.permission,
        grant.objectType && grant.objectId ? { type: grant.objectType, id: grant.objectId } : undefined,
      );
    } else if (!access.admin) {
      throw new AppError("FORBIDDEN", "permission: only site administrators may revoke this grant", {
        field: "permission",
      });
    }
    await tx.permissionGrant.delete({ where: { id: grant.id } });
    return {
      result: true,
      audit: {
        action: "permission.revoked",
        entityType: "PermissionGrant",
        entityId: grant.id,
        changes: diff(grantFields(grant), null),
      },
    };
  });
};

/** The site's grants (permissions.manage), oldest first, narrowed by principal and object. */
export const findSiteGrants = async (ctx: Context, filter: GrantFilter): Promise<GrantView[]> => {
  const principalId = filter.principalId ?? null;
  if (principalId !== null && !isUuid(principalId)) return [];
  const rows = await ctx.db.permissionGrant.findMany({
    where: {
      ...(principalId
        ? { OR: [{ userId: principalId }, { groupId: principalId }, { apiKeyId: principalId }] }
        : {}),
      ...(filter.objectType ? { objectType: filter.objectType } : {}),
      ...(filter.objectId ? { objectId: filter.objectId } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: GRANT_SELECT,
  });
  return rows.map(siteGrantView);
};
