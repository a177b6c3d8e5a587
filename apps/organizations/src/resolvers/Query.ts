import type { InvitationStatus } from "@taruvi/platform";
import type { Context } from "../context";
import { findInvitations } from "../domain/find-invitations";
import { findOrganizationBySlug, findOrganizations } from "../domain/find-organizations";

export const Query = {
  organizations: (_: unknown, __: unknown, ctx: Context) => findOrganizations(ctx),
  organization: (_: unknown, args: { slug: string }, ctx: Context) => findOrganizationBySlug(ctx, args.slug),
  invitations: (
    _: unknown,
    args: { organizationId: string; status?: InvitationStatus | null },
    ctx: Context,
  ) => findInvitations(ctx, args.organizationId, args.status ?? "PENDING"),
};
