import type { platform } from "@taruvi/db";
import type { Context } from "../context";
import { findViewerRole } from "../domain/find-organizations";

export const Organization = {
  __resolveReference: (ref: { id: string }, ctx: Context) => ctx.loaders.organizationById.load(ref.id),
  members: (organization: platform.Organization, _: unknown, ctx: Context) =>
    ctx.loaders.membersByOrganization.load(organization.id),
  viewerRole: (organization: platform.Organization, _: unknown, ctx: Context) =>
    findViewerRole(ctx, organization.id),
  createdAt: (organization: platform.Organization) => organization.createdAt.toISOString(),
};

export const OrganizationMember = {
  user: (member: platform.OrganizationMember) => ({ __typename: "User", id: member.accountId }),
  joinedAt: (member: platform.OrganizationMember) => member.createdAt.toISOString(),
};
