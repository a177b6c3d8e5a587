import type { InvitationStatus } from "@taruvi/platform";
import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { findInvitations, findInvitationsPage } from "../domain/find-invitations";
import {
  findOrganizationBySlug,
  findOrganizations,
  findPlatformOrganizations,
  type OrganizationFilter,
} from "../domain/find-organizations";

export const Query = {
  organizations: (_: unknown, __: unknown, ctx: Context) => findOrganizations(ctx),
  organization: (_: unknown, args: { slug: string }, ctx: Context) => findOrganizationBySlug(ctx, args.slug),
  invitations: (
    _: unknown,
    args: { organizationId: string; status?: InvitationStatus | null },
    ctx: Context,
  ) => findInvitations(ctx, args.organizationId, args.status ?? "PENDING"),
  invitationsConnection: (
    _: unknown,
    args: PageArgs & { organizationId: string; status?: InvitationStatus | null },
    ctx: Context,
  ) => findInvitationsPage(ctx, args.organizationId, args.status ?? "PENDING", args),
  platformOrganizations: (
    _: unknown,
    args: PageArgs & { filter?: OrganizationFilter | null },
    ctx: Context,
  ) => findPlatformOrganizations(ctx, args),
};
