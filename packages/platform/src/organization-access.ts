import type {
  AccessResolver,
  Actor,
  OrganizationAccess,
  OrganizationPermission,
  OrganizationRole,
} from "@taruvi/auth";
import { AppError } from "@taruvi/errors";

/** What the organization rules need of a request: who calls, and their access (a RequestContext fits). */
export type OrganizationCaller = { actor: Actor | null; access: Pick<AccessResolver, "organization"> };

/**
 * The caller's access to an organization (role and grants, loaded once per request and batched),
 * or null when they may not even see it (not a member, no grant, not a superuser, or signed out):
 * callers answer NOT_FOUND then, never FORBIDDEN.
 */
export const findOrganizationAccess = (
  ctx: Pick<OrganizationCaller, "access">,
  organizationId: string,
): Promise<OrganizationAccess | null> => ctx.access.organization(organizationId);

/** NOT_FOUND for what the caller may not see, FORBIDDEN for what they may see but not do. */
export const requireOrganizationPermission = async (
  ctx: OrganizationCaller,
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
