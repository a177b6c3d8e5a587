/**
 * The permission model, in one place (docs/decisions/0008). Pure data and functions: the
 * subgraph kit loads who holds what (once per request, batched) and these decide.
 *
 * Platform scope: superusers may do everything. Organization roles map to organization
 * permissions; an account may also hold a grant on one organization or one site.
 * Site scope: site admins hold every site permission; other users hold what is granted to them
 * or to their groups, model-wide or on one object; an API key holds its scopes (the same
 * permission names) and what is granted to the key.
 */

import { PRODUCT_PERMISSIONS } from "@taruvi/registry";

// ---- Site scope -----------------------------------------------------------------------------

/** The core's site permissions, with what each allows. */
export const CORE_SITE_PERMISSIONS = {
  "users.view": "See the site's users.",
  "users.manage": "Create, change, deactivate and restore users (implies users.view).",
  "groups.view": "See the site's groups and their members.",
  "groups.manage": "Create and delete groups and change their members (implies groups.view).",
  "permissions.manage": "Grant and revoke permissions the granter holds.",
  "apikeys.manage": "Create and revoke API keys with scopes the creator holds.",
  "audit.view": "Read the site's audit trail.",
  "settings.manage": "Change the site's settings (e.g. open sign-up).",
} as const;

/**
 * Every site permission, with what it allows: the core's and those the registered product
 * services declare (packages/registry, generated from their definitions). Grants, groups, object
 * grants and API-key scopes use these names.
 */
export const SITE_PERMISSIONS = { ...CORE_SITE_PERMISSIONS, ...PRODUCT_PERMISSIONS } as const;

export type SitePermission = keyof typeof SITE_PERMISSIONS;

export const SITE_PERMISSION_NAMES = Object.keys(SITE_PERMISSIONS) as SitePermission[];

export const isSitePermission = (value: unknown): value is SitePermission =>
  typeof value === "string" && Object.hasOwn(SITE_PERMISSIONS, value);

/** Holding the key grants the values too; a product's `<name>.manage` implies its `<name>.view`. */
const SITE_IMPLIES: Partial<Record<SitePermission, SitePermission[]>> = {
  "users.manage": ["users.view"],
  "groups.manage": ["groups.view"],
  ...Object.fromEntries(
    Object.keys(PRODUCT_PERMISSIONS).flatMap((name) => {
      const view = name.replace(/\.manage$/, ".view");
      return name.endsWith(".manage") && isSitePermission(view) ? [[name, [view]]] : [];
    }),
  ),
};

/** A grant on one object of the site (`objectType` is a GraphQL type name, e.g. Group, User). */
export type SiteObjectRef = { type: string; id: string };

/** A row of the site's permission_grants, as seen by the evaluator. */
export type SiteGrant = { permission: string; objectType: string | null; objectId: string | null };

/** What the caller may do in the addressed site. */
export type SiteAccess = {
  /** Site administrator: every permission, on every object. */
  admin: boolean;
  /** Model-level permissions held (implied ones included), sorted. */
  permissions: SitePermission[];
  /** Object-level grants held, with implied permissions. */
  objectGrants: { permission: SitePermission; objectType: string; objectId: string }[];
  /** The permission model-wide, or on `object` when given (a model-level grant covers every object). */
  has: (permission: SitePermission, object?: SiteObjectRef) => boolean;
};

const withImplied = (permission: SitePermission): SitePermission[] => [
  permission,
  ...(SITE_IMPLIES[permission] ?? []),
];

/**
 * Evaluates a site principal: `admin` for an active site admin, `grants` from the principal's
 * own and its groups' permission_grants, `scopes` for an API key. Unknown names are ignored.
 */
export const evaluateSiteAccess = (input: {
  admin: boolean;
  grants: readonly SiteGrant[];
  scopes?: readonly string[];
}): SiteAccess => {
  if (input.admin) {
    return {
      admin: true,
      permissions: [...SITE_PERMISSION_NAMES].sort(),
      objectGrants: [],
      has: () => true,
    };
  }
  const modelLevel = new Set<SitePermission>();
  const objectLevel = new Set<string>();
  const objectGrants: SiteAccess["objectGrants"] = [];
  for (const scope of input.scopes ?? []) {
    if (isSitePermission(scope)) for (const p of withImplied(scope)) modelLevel.add(p);
  }
  for (const grant of input.grants) {
    if (!isSitePermission(grant.permission)) continue;
    for (const permission of withImplied(grant.permission)) {
      if (grant.objectType === null || grant.objectId === null) {
        modelLevel.add(permission);
      } else if (!objectLevel.has(`${permission}|${grant.objectType}|${grant.objectId}`)) {
        objectLevel.add(`${permission}|${grant.objectType}|${grant.objectId}`);
        objectGrants.push({ permission, objectType: grant.objectType, objectId: grant.objectId });
      }
    }
  }
  return {
    admin: false,
    permissions: [...modelLevel].sort(),
    objectGrants,
    has: (permission, object) =>
      modelLevel.has(permission) ||
      (object !== undefined && objectLevel.has(`${permission}|${object.type}|${object.id}`)),
  };
};

/**
 * What two principals both hold: an API key is bounded by its creator, so its effective access is
 * what the key is given (scopes and grants) that its creator still holds, model-wide or on the
 * same object. Never admin: an administrator's key holds exactly its own scopes and grants.
 */
export const intersectSiteAccess = (key: SiteAccess, creator: SiteAccess): SiteAccess => {
  const permissions = key.permissions.filter((p) => creator.has(p));
  const objectGrants = key.objectGrants.filter((g) =>
    creator.has(g.permission, { type: g.objectType, id: g.objectId }),
  );
  const held = new Set(permissions);
  return {
    admin: false,
    permissions,
    objectGrants,
    has: (permission, object) =>
      held.has(permission) ||
      (object !== undefined && key.has(permission, object) && creator.has(permission, object)),
  };
};

// ---- Platform scope -------------------------------------------------------------------------

export type OrganizationRole = "OWNER" | "ADMIN" | "MEMBER";

/**
 * What may be done to an organization. The first three can also be granted to an account on one
 * organization; the rest come with a role only.
 */
export type OrganizationPermission =
  | "manage_organization"
  | "invite_members"
  | "manage_sites"
  | "read"
  | "manage_members"
  | "delete_organization"
  /** Grant or take away the OWNER role (an owner's own membership included). */
  | "manage_owners";

/** Organization permissions an account may be granted on one organization. */
export const GRANTABLE_ORGANIZATION_PERMISSIONS = [
  "manage_organization",
  "invite_members",
  "manage_sites",
] as const;

/** Permissions an account may be granted on one site. */
export const SITE_OBJECT_PERMISSIONS = {
  access_site: "See the site and its domains.",
  manage_site_users: "Create users of the site from the platform (implies access_site).",
  admin_site:
    "Change, suspend, resume, delete and restore the site and its domains, read its platform audit events (implies the others).",
} as const;

export type SiteObjectPermission = keyof typeof SITE_OBJECT_PERMISSIONS;

export type PlatformObjectType = "ORGANIZATION" | "SITE";

export const isPlatformGrant = (objectType: PlatformObjectType, permission: unknown): boolean =>
  objectType === "ORGANIZATION"
    ? (GRANTABLE_ORGANIZATION_PERMISSIONS as readonly unknown[]).includes(permission)
    : typeof permission === "string" && Object.hasOwn(SITE_OBJECT_PERMISSIONS, permission);

export const ROLE_PERMISSIONS: Record<OrganizationRole, ReadonlySet<OrganizationPermission>> = {
  OWNER: new Set([
    "read",
    "manage_members",
    "invite_members",
    "manage_sites",
    "manage_organization",
    "delete_organization",
    "manage_owners",
  ]),
  ADMIN: new Set(["read", "manage_members", "invite_members", "manage_sites"]),
  MEMBER: new Set(["read"]),
};

/** The caller's access to one organization. */
export type OrganizationAccess = {
  /** The caller's role; null for a superuser or a grantee who is not a member. */
  role: OrganizationRole | null;
  superuser: boolean;
  /** Permissions granted on this organization (beyond the role). */
  granted: readonly OrganizationPermission[];
  can: (permission: OrganizationPermission) => boolean;
};

/** Null when the caller may not see the organization at all (answer NOT_FOUND, never FORBIDDEN). */
export const evaluateOrganizationAccess = (input: {
  superuser: boolean;
  role: OrganizationRole | null;
  granted: readonly string[];
}): OrganizationAccess | null => {
  const granted = input.granted.filter((p): p is OrganizationPermission =>
    (GRANTABLE_ORGANIZATION_PERMISSIONS as readonly string[]).includes(p),
  );
  if (!input.superuser && input.role === null && granted.length === 0) return null;
  const held = new Set<OrganizationPermission>([
    ...(input.role ? ROLE_PERMISSIONS[input.role] : []),
    ...granted,
    // Any grant on an organization lets its holder see it.
    ...(granted.length > 0 ? (["read"] as const) : []),
  ]);
  return {
    role: input.role,
    superuser: input.superuser,
    granted,
    can: (permission) => input.superuser || held.has(permission),
  };
};

/** The caller's access to one site from the platform scope. */
export type SiteObjectAccess = {
  superuser: boolean;
  /** Site-object permissions held (from the organization or granted on the site), sorted. */
  permissions: SiteObjectPermission[];
  can: (permission: SiteObjectPermission) => boolean;
};

const SITE_OBJECT_IMPLIES: Record<SiteObjectPermission, SiteObjectPermission[]> = {
  admin_site: ["admin_site", "manage_site_users", "access_site"],
  manage_site_users: ["manage_site_users", "access_site"],
  access_site: ["access_site"],
};

/**
 * A site's organization gives its members access_site and those who may manage_sites
 * admin_site; grants on the site add to that. Null when the caller may not see the site.
 */
export const evaluateSiteObjectAccess = (input: {
  superuser: boolean;
  organization: OrganizationAccess | null;
  granted: readonly string[];
}): SiteObjectAccess | null => {
  const held = new Set<SiteObjectPermission>();
  const add = (p: SiteObjectPermission) => {
    for (const implied of SITE_OBJECT_IMPLIES[p]) held.add(implied);
  };
  if (input.superuser || input.organization?.can("manage_sites")) add("admin_site");
  else if (input.organization?.can("read")) add("access_site");
  for (const p of input.granted) if (isPlatformGrant("SITE", p)) add(p as SiteObjectPermission);
  if (held.size === 0) return null;
  return {
    superuser: input.superuser,
    permissions: [...held].sort(),
    can: (permission) => input.superuser || held.has(permission),
  };
};
