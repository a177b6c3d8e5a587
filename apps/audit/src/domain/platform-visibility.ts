import { evaluateOrganizationAccess, evaluateSiteObjectAccess, type OrganizationRole } from "@taruvi/auth";
import type { platform } from "@taruvi/db";
import type { RequestContext } from "@taruvi/subgraph-kit";

/**
 * Which platform events an account may read: every one (a superuser), or those of the
 * organizations it may manage_organization (owners and grantees; their sites' events carry the
 * organization's id) and of the sites it was granted admin_site on. A plain member of an
 * organization sees none of them.
 */
export type PlatformVisibility =
  | { all: true }
  | { all: false; organizationIds: readonly string[]; siteIds: readonly string[] };

const NOTHING: PlatformVisibility = { all: false, organizationIds: [], siteIds: [] };

export const findPlatformVisibility = async (
  ctx: Pick<RequestContext, "actor" | "platform">,
): Promise<PlatformVisibility> => {
  const account = ctx.actor?.type === "account" ? ctx.actor : null;
  if (!account) return NOTHING;
  if (account.superuser === true) return { all: true };
  const [memberships, grants] = await Promise.all([
    ctx.platform.organizationMember.findMany({
      where: { accountId: account.id },
      select: { organizationId: true, role: true },
    }),
    ctx.platform.objectPermission.findMany({
      where: { accountId: account.id },
      select: { objectType: true, objectId: true, permission: true },
    }),
  ]);
  const granted = (objectType: "ORGANIZATION" | "SITE", id: string) =>
    grants.filter((g) => g.objectType === objectType && g.objectId === id).map((g) => g.permission);

  const roles = new Map(memberships.map((m) => [m.organizationId, m.role as OrganizationRole]));
  const organizationIds = [
    ...new Set([
      ...roles.keys(),
      ...grants.filter((g) => g.objectType === "ORGANIZATION").map((g) => g.objectId),
    ]),
  ].filter((id) =>
    evaluateOrganizationAccess({
      superuser: false,
      role: roles.get(id) ?? null,
      granted: granted("ORGANIZATION", id),
    })?.can("manage_organization"),
  );
  // Only a grant on the site itself counts here (the organization's roles are covered above).
  const siteIds = [...new Set(grants.filter((g) => g.objectType === "SITE").map((g) => g.objectId))].filter(
    (id) =>
      evaluateSiteObjectAccess({ superuser: false, organization: null, granted: granted("SITE", id) })?.can(
        "admin_site",
      ),
  );
  return { all: false, organizationIds, siteIds };
};

/** The visibility as a Prisma condition; null when nothing is visible. */
export const visibleEvents = (
  visibility: PlatformVisibility,
): platform.Prisma.AuditEventWhereInput | null => {
  if (visibility.all) return {};
  const or: platform.Prisma.AuditEventWhereInput[] = [
    ...(visibility.organizationIds.length > 0
      ? [{ organizationId: { in: [...visibility.organizationIds] } }]
      : []),
    ...(visibility.siteIds.length > 0 ? [{ siteId: { in: [...visibility.siteIds] } }] : []),
  ];
  return or.length > 0 ? { OR: or } : null;
};
