import {
  GRANTABLE_ORGANIZATION_PERMISSIONS,
  isPlatformGrant,
  type PlatformObjectType,
  SITE_OBJECT_PERMISSIONS,
} from "@taruvi/auth";
import { AppError, badUserInput, notFound } from "@taruvi/errors";
import { accountOf, auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../../context";
import { type GrantFilter, type GrantInput, type GrantView, grantFields } from "./grant-views";

const GRANTABLE: Record<PlatformObjectType, readonly string[]> = {
  ORGANIZATION: GRANTABLE_ORGANIZATION_PERMISSIONS,
  SITE: Object.keys(SITE_OBJECT_PERMISSIONS),
};

const PLATFORM_GRANT_SELECT = {
  id: true,
  accountId: true,
  permission: true,
  objectType: true,
  objectId: true,
  createdAt: true,
} as const;

type PlatformGrantRow = {
  id: string;
  accountId: string;
  permission: string;
  objectType: PlatformObjectType;
  objectId: string;
  createdAt: Date;
};

const platformGrantView = (row: PlatformGrantRow): GrantView => ({
  id: row.id,
  permission: row.permission,
  principalType: "ACCOUNT",
  principalId: row.accountId,
  objectType: row.objectType,
  objectId: row.objectId,
  createdAt: row.createdAt,
});

const given = (value: unknown) => value !== undefined && value !== null;

/** ORGANIZATION or SITE (any case). */
const parseObjectType = (value: unknown): PlatformObjectType => {
  const upper = typeof value === "string" ? value.toUpperCase() : value;
  if (upper === "ORGANIZATION" || upper === "SITE") return upper;
  throw badUserInput("objectType", "must be ORGANIZATION or SITE");
};

const parsePlatformGrant = (input: GrantInput) => {
  for (const field of ["userId", "groupId", "apiKeyId"] as const) {
    if (given(input[field]))
      throw badUserInput(field, "is for site grants; on the platform grant to an accountId");
  }
  if (!given(input.accountId)) throw badUserInput("accountId", "is required on the platform");
  if (!given(input.objectType))
    throw badUserInput("objectType", "is required on the platform (ORGANIZATION or SITE)");
  const objectType = parseObjectType(input.objectType);
  if (!given(input.objectId)) throw badUserInput("objectId", "is required on the platform");
  if (!isPlatformGrant(objectType, input.permission)) {
    throw badUserInput(
      "permission",
      `${JSON.stringify(input.permission)} cannot be granted on ${objectType === "SITE" ? "a site" : "an organization"}; use one of ${GRANTABLE[objectType].join(", ")}`,
    );
  }
  return {
    accountId: input.accountId as unknown,
    permission: input.permission as string,
    objectType,
    objectId: input.objectId as unknown,
  };
};

/** Where a platform grant's object belongs, for the audit trail and owners' views. */
type ObjectScope = { organizationId: string | null; siteId: string | null };

/**
 * NOT_FOUND unless the caller may see the object; FORBIDDEN unless they may grant on it:
 * manage_organization on an organization, admin_site on a site (superusers: anything that exists,
 * or, to clean up, a grant on an object that is gone).
 */
const requireGrantAuthority = async (
  ctx: Context,
  objectType: PlatformObjectType,
  objectId: unknown,
  { mustExist }: { mustExist: boolean },
): Promise<ObjectScope> => {
  const superuser = accountOf(ctx)?.superuser === true;
  if (objectType === "ORGANIZATION") {
    const organization = isUuid(objectId)
      ? await ctx.platform.organization.findUnique({ where: { id: objectId }, select: { id: true } })
      : null;
    if (!organization) {
      if (!mustExist && superuser && isUuid(objectId)) return { organizationId: null, siteId: null };
      throw notFound("organization");
    }
    const access = await ctx.access.organization(organization.id);
    if (!access) throw notFound("organization");
    if (!access.can("manage_organization")) {
      throw new AppError("FORBIDDEN", "granting on an organization requires manage_organization on it");
    }
    return { organizationId: organization.id, siteId: null };
  }
  const site = isUuid(objectId)
    ? await ctx.platform.site.findUnique({
        where: { id: objectId },
        select: { id: true, organizationId: true },
      })
    : null;
  if (!site) {
    if (!mustExist && superuser && isUuid(objectId)) return { organizationId: null, siteId: objectId };
    throw notFound("site");
  }
  const access = await ctx.access.siteObject(site);
  if (!access) throw notFound("site");
  if (!access.can("admin_site")) {
    throw new AppError("FORBIDDEN", "granting on a site requires admin_site on it");
  }
  return { organizationId: site.organizationId, siteId: site.id };
};

/**
 * Grants a platform account a permission on one organization or site, stored in
 * platform.object_permissions (one row per account, permission and object: a repeat returns it
 * and writes nothing). Recorded as `permission.granted` in the platform trail with the
 * organization (and site) it concerns.
 */
export const grantPlatformPermission = async (ctx: Context, input: GrantInput): Promise<GrantView> => {
  const grant = parsePlatformGrant(input);
  const scope = await requireGrantAuthority(ctx, grant.objectType, grant.objectId, { mustExist: true });
  const account = isUuid(grant.accountId)
    ? await ctx.platform.account.findUnique({ where: { id: grant.accountId }, select: { id: true } })
    : null;
  if (!account) throw notFound("account");
  const key = {
    accountId: account.id,
    permission: grant.permission,
    objectType: grant.objectType,
    objectId: grant.objectId as string,
  };
  return auditedPlatformChange(ctx, async (tx) => {
    const { count } = await tx.objectPermission.createMany({
      data: [{ ...key, grantedById: accountOf(ctx)?.id ?? null }],
      skipDuplicates: true,
    });
    const row = await tx.objectPermission.findUniqueOrThrow({
      where: { accountId_permission_objectType_objectId: key },
      select: PLATFORM_GRANT_SELECT,
    });
    const view = platformGrantView(row);
    return {
      result: view,
      audit:
        count === 0
          ? null
          : {
              action: "permission.granted",
              entityType: "PermissionGrant",
              entityId: view.id,
              changes: diff(null, grantFields(view)),
              ...scope,
            },
    };
  });
};

/** Revokes a platform grant, with the authority granting it needs; NOT_FOUND when unknown or unseen. */
export const revokePlatformPermission = async (ctx: Context, id: unknown): Promise<boolean> => {
  const row = isUuid(id)
    ? await ctx.platform.objectPermission.findUnique({ where: { id }, select: PLATFORM_GRANT_SELECT })
    : null;
  if (!row) throw notFound("permission grant");
  let scope: ObjectScope;
  try {
    scope = await requireGrantAuthority(ctx, row.objectType, row.objectId, { mustExist: false });
  } catch (error) {
    // The grant of an object the caller cannot see is itself unseen.
    if (error instanceof AppError && error.code === "NOT_FOUND") throw notFound("permission grant");
    throw error;
  }
  const view = platformGrantView(row);
  return auditedPlatformChange(ctx, async (tx) => {
    const { count } = await tx.objectPermission.deleteMany({ where: { id: view.id } });
    if (count === 0) throw notFound("permission grant");
    return {
      result: true,
      audit: {
        action: "permission.revoked",
        entityType: "PermissionGrant",
        entityId: view.id,
        changes: diff(grantFields(view), null),
        ...scope,
      },
    };
  });
};

/**
 * Platform grants on the objects the caller administers (manage_organization on an
 * organization, admin_site on a site); every grant for a superuser. Oldest first.
 */
export const findPlatformGrants = async (ctx: Context, filter: GrantFilter): Promise<GrantView[]> => {
  const account = accountOf(ctx);
  if (!account) return [];
  const narrow = {
    ...(filter.principalId ? { accountId: filter.principalId } : {}),
    ...(filter.objectType ? { objectType: parseObjectType(filter.objectType) } : {}),
    ...(filter.objectId ? { objectId: filter.objectId } : {}),
  };
  if ((filter.principalId && !isUuid(filter.principalId)) || (filter.objectId && !isUuid(filter.objectId))) {
    return [];
  }
  const order = {
    orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }],
    select: PLATFORM_GRANT_SELECT,
  };
  if (account.superuser === true) {
    return (await ctx.platform.objectPermission.findMany({ where: narrow, ...order })).map(platformGrantView);
  }
  const { organizations, sites } = await administeredObjects(ctx, account.id);
  if (organizations.length === 0 && sites.length === 0) return [];
  const rows = await ctx.platform.objectPermission.findMany({
    where: {
      AND: [
        narrow,
        {
          OR: [
            { objectType: "ORGANIZATION", objectId: { in: organizations } },
            { objectType: "SITE", objectId: { in: sites } },
          ],
        },
      ],
    },
    ...order,
  });
  return rows.map(platformGrantView);
};

/**
 * The organizations (manage_organization) and sites (admin_site) an account administers: of the
 * organizations it belongs to or holds grants on, and their sites and the sites it holds grants
 * on. Access is asked of the request's batched resolver.
 */
const administeredObjects = async (ctx: Context, accountId: string) => {
  const [memberships, grants] = await Promise.all([
    ctx.platform.organizationMember.findMany({ where: { accountId }, select: { organizationId: true } }),
    ctx.platform.objectPermission.findMany({
      where: { accountId },
      select: { objectType: true, objectId: true },
    }),
  ]);
  const organizationIds = [
    ...new Set([
      ...memberships.map((m) => m.organizationId),
      ...grants.filter((g) => g.objectType === "ORGANIZATION").map((g) => g.objectId),
    ]),
  ];
  const siteGrantIds = grants.filter((g) => g.objectType === "SITE").map((g) => g.objectId);
  const candidates = await ctx.platform.site.findMany({
    where: { OR: [{ organizationId: { in: organizationIds } }, { id: { in: siteGrantIds } }] },
    select: { id: true, organizationId: true },
  });
  const [organizationAccess, siteAccess] = await Promise.all([
    Promise.all(organizationIds.map((id) => ctx.access.organization(id))),
    Promise.all(candidates.map((site) => ctx.access.siteObject(site))),
  ]);
  return {
    organizations: organizationIds.filter((_, i) => organizationAccess[i]?.can("manage_organization")),
    sites: candidates.filter((_, i) => siteAccess[i]?.can("admin_site")).map((site) => site.id),
  };
};
