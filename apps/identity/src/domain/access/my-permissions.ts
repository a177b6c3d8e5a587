import {
  GRANTABLE_ORGANIZATION_PERMISSIONS,
  type OrganizationPermission,
  ROLE_PERMISSIONS,
  SITE_OBJECT_PERMISSIONS,
  SITE_PERMISSIONS,
} from "@taruvi/auth";
import { accountOf, requireActor } from "@taruvi/subgraph-kit";
import type { Context } from "../../context";
import { SITE_OBJECT_TYPES } from "./site-grants";

export type ObjectPermissionView = { permission: string; objectType: string; objectId: string };

export type MyPermissionsView = {
  scope: string;
  admin: boolean;
  permissions: string[];
  objects: ObjectPermissionView[];
};

/** Every organization permission (an owner holds them all), sorted. */
const ORGANIZATION_PERMISSIONS = [...ROLE_PERMISSIONS.OWNER].sort();
const SITE_OBJECT_PERMISSION_NAMES = Object.keys(SITE_OBJECT_PERMISSIONS).sort();

/**
 * What the caller holds in this scope. In a site: administrator or not, the model-level
 * permissions (implied ones included) and the object grants (the user's, their groups', or the
 * API key's). On the platform: for each organization the caller belongs to or holds grants on,
 * every organization permission held there; for each site with a grant to the caller, the
 * site-object permissions held there. A superuser is `admin` and holds every permission.
 */
export const findMyPermissions = async (ctx: Context): Promise<MyPermissionsView> => {
  requireActor(ctx);
  if (ctx.tenant) {
    const access = await ctx.access.site();
    return {
      scope: `site:${ctx.tenant.siteId}`,
      admin: access.admin,
      permissions: access.permissions,
      objects: access.objectGrants.map((g) => ({
        permission: g.permission,
        objectType: g.objectType,
        objectId: g.objectId,
      })),
    };
  }
  const account = accountOf(ctx);
  if (!account) return { scope: "platform", admin: false, permissions: [], objects: [] };
  const superuser = account.superuser === true;
  const [memberships, grants] = await Promise.all([
    ctx.platform.organizationMember.findMany({
      where: { accountId: account.id },
      select: { organizationId: true },
    }),
    ctx.platform.objectPermission.findMany({
      where: { accountId: account.id },
      select: { objectType: true, objectId: true },
    }),
  ]);
  const organizationIds = [
    ...new Set([
      ...memberships.map((m) => m.organizationId),
      ...grants.filter((g) => g.objectType === "ORGANIZATION").map((g) => g.objectId),
    ]),
  ].sort();
  const siteIds = [...new Set(grants.filter((g) => g.objectType === "SITE").map((g) => g.objectId))];
  const sites = await ctx.platform.site.findMany({
    where: { id: { in: siteIds } },
    select: { id: true, organizationId: true },
    orderBy: { id: "asc" },
  });
  const [organizationAccess, siteAccess] = await Promise.all([
    Promise.all(organizationIds.map((id) => ctx.access.organization(id))),
    Promise.all(sites.map((site) => ctx.access.siteObject(site))),
  ]);
  const objects: ObjectPermissionView[] = [];
  organizationIds.forEach((id, i) => {
    const access = organizationAccess[i];
    for (const permission of ORGANIZATION_PERMISSIONS) {
      if (access?.can(permission as OrganizationPermission)) {
        objects.push({ permission, objectType: "Organization", objectId: id });
      }
    }
  });
  sites.forEach((site, i) => {
    for (const permission of siteAccess[i]?.permissions ?? []) {
      objects.push({ permission, objectType: "Site", objectId: site.id });
    }
  });
  return {
    scope: "platform",
    admin: superuser,
    permissions: superuser
      ? [...new Set([...ORGANIZATION_PERMISSIONS, ...SITE_OBJECT_PERMISSION_NAMES])].sort()
      : [],
    objects,
  };
};

export type PermissionDescriptionView = { name: string; description: string; objectTypes: string[] };

const ORGANIZATION_PERMISSION_DESCRIPTIONS: Record<
  (typeof GRANTABLE_ORGANIZATION_PERMISSIONS)[number],
  string
> = {
  manage_organization: "Change the organization and grant or revoke permissions on it.",
  invite_members: "Invite people to the organization and manage its invitations.",
  manage_sites: "Create sites of the organization and administer all of them (admin_site on each).",
};

/**
 * The permissions that can be granted in this scope, each with what it allows and the object
 * types it may be granted on: site permissions (model-wide, or on the listed types) in a site;
 * organization and site permissions on the platform.
 */
export const findPermissionCatalog = (ctx: Context): PermissionDescriptionView[] => {
  if (ctx.tenant) {
    return Object.entries(SITE_PERMISSIONS).map(([name, description]) => ({
      name,
      description,
      objectTypes: Object.entries(SITE_OBJECT_TYPES)
        .filter(([, permissions]) => (permissions as readonly string[]).includes(name))
        .map(([type]) => type),
    }));
  }
  return [
    ...GRANTABLE_ORGANIZATION_PERMISSIONS.map((name) => ({
      name,
      description: ORGANIZATION_PERMISSION_DESCRIPTIONS[name],
      objectTypes: ["ORGANIZATION"],
    })),
    ...Object.entries(SITE_OBJECT_PERMISSIONS).map(([name, description]) => ({
      name,
      description,
      objectTypes: ["SITE"],
    })),
  ];
};
