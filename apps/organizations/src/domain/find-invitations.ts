import type { platform } from "@taruvi/db";
import { type InvitationStatus, requireOrganizationPermission } from "@taruvi/platform";
import { decodeCursor, type PageArgs, pageSize, toConnection } from "@taruvi/subgraph-kit";
import { parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { requirePlatformAccount } from "./caller";

const whereStatus = (status: InvitationStatus, now: Date): platform.Prisma.InvitationWhereInput => {
  switch (status) {
    case "ACCEPTED":
      return { acceptedAt: { not: null } };
    case "REVOKED":
      return { acceptedAt: null, revokedAt: { not: null } };
    case "EXPIRED":
      return { acceptedAt: null, revokedAt: null, expiresAt: { lte: now } };
    case "PENDING":
      return { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } };
  }
};

/**
 * An organization's invitations in one status (default PENDING), newest first; for those who
 * may invite (owners, admins, superusers). NOT_FOUND for non-members, FORBIDDEN for members.
 */
export const findInvitations = async (
  ctx: Context,
  organizationIdInput: unknown,
  status: InvitationStatus = "PENDING",
) => {
  requirePlatformAccount(ctx);
  const organizationId = parseUuid(organizationIdInput, "organizationId");
  await requireOrganizationPermission(ctx, organizationId, "invite_members");
  return ctx.platform.invitation.findMany({
    where: { organizationId, ...whereStatus(status, new Date()) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
};

/** The same invitations as `findInvitations`, in pages, newest first; the same callers. */
export const findInvitationsPage = async (
  ctx: Context,
  organizationIdInput: unknown,
  status: InvitationStatus,
  args: PageArgs,
) => {
  requirePlatformAccount(ctx);
  const size = pageSize(args.first);
  const before = decodeCursor(args.after);
  const organizationId = parseUuid(organizationIdInput, "organizationId");
  await requireOrganizationPermission(ctx, organizationId, "invite_members");
  const rows = await ctx.platform.invitation.findMany({
    where: {
      AND: [
        { organizationId, ...whereStatus(status, new Date()) },
        ...(before
          ? [{ OR: [{ createdAt: { lt: before.at } }, { createdAt: before.at, id: { lt: before.id } }] }]
          : []),
      ],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: size + 1,
  });
  return toConnection(rows, size, (i) => ({ at: i.createdAt, id: i.id }));
};
