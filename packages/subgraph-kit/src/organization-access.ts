import { AppError } from "@taruvi/errors";
import type { RequestContext } from "./context";

export type OrganizationRole = "OWNER" | "ADMIN" | "MEMBER";

/** What each organization role may do. The permission system (a later issue) takes this over. */
export type OrganizationPermission =
  | "read"
  | "manage_members"
  | "invite_members"
  | "manage_sites"
  | "manage_organization"
  | "delete_organization"
  /** Grant or take away the OWNER role (an owner's own membership included). */
  | "manage_owners";

const ROLE_PERMISSIONS: Record<OrganizationRole, ReadonlySet<OrganizationPermission>> = {
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

export type OrganizationAccess = {
  /** The caller's role; null for a superuser who is not a member. */
  role: OrganizationRole | null;
  superuser: boolean;
  can: (permission: OrganizationPermission) => boolean;
};

/**
 * The caller's access to an organization, or null when they may not even see it (not a member,
 * not a superuser, or signed out): callers answer NOT_FOUND then, never FORBIDDEN.
 */
export const findOrganizationAccess = async (
  ctx: Pick<RequestContext, "actor" | "platform">,
  organizationId: string,
): Promise<OrganizationAccess | null> => {
  const actor = ctx.actor;
  if (actor?.type !== "account") return null;
  const superuser = actor.superuser === true;
  const membership = await ctx.platform.organizationMember.findUnique({
    where: { organizationId_accountId: { organizationId, accountId: actor.id } },
    select: { role: true },
  });
  if (!membership && !superuser) return null;
  const role = membership?.role ?? null;
  return {
    role,
    superuser,
    can: (permission) => superuser || (role !== null && ROLE_PERMISSIONS[role].has(permission)),
  };
};

/** NOT_FOUND for what the caller may not see, FORBIDDEN for what they may see but not do. */
export const requireOrganizationPermission = async (
  ctx: Pick<RequestContext, "actor" | "platform">,
  organizationId: string,
  permission: OrganizationPermission,
  entity = "organization",
): Promise<OrganizationAccess> => {
  if (!ctx.actor) throw new AppError("UNAUTHENTICATED", "sign in required");
  const access = await findOrganizationAccess(ctx, organizationId);
  if (!access) throw new AppError("NOT_FOUND", `${entity} not found`);
  if (!access.can(permission)) {
    throw new AppError("FORBIDDEN", `your role may not ${permission.replaceAll("_", " ")}`);
  }
  return access;
};

/**
 * FORBIDDEN unless the caller may move a member from `from` to `to` (null: not a member, before
 * an invitation or after a removal). Touching the OWNER role on either side needs
 * `manage_owners` (owners, superusers); anything else `manage_members` (and admins).
 */
export const requireRoleChange = (
  access: OrganizationAccess,
  from: OrganizationRole | null,
  to: OrganizationRole | null,
): void => {
  const permission: OrganizationPermission =
    from === "OWNER" || to === "OWNER" ? "manage_owners" : "manage_members";
  if (!access.can(permission)) {
    throw new AppError(
      "FORBIDDEN",
      permission === "manage_owners"
        ? "only an owner may grant or take away the OWNER role"
        : "your role may not manage members",
    );
  }
};

/** Anyone may leave (remove their own membership); removing someone else is a change to no role. */
export const requireMemberRemoval = (
  access: OrganizationAccess,
  member: { role: OrganizationRole; self: boolean },
): void => {
  if (!member.self) requireRoleChange(access, member.role, null);
};
