import type { platform } from "@taruvi/db";
import { PLAN_LIMITS } from "@taruvi/limits";
import type { Context } from "../context";
import { findViewerRole, findVisibleOrganization } from "../domain/find-organizations";

export const Organization = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findVisibleOrganization(ctx, ref.id),
  members: (organization: platform.Organization, _: unknown, ctx: Context) =>
    ctx.loaders.membersByOrganization.load(organization.id),
  viewerRole: (organization: platform.Organization, _: unknown, ctx: Context) =>
    findViewerRole(ctx, organization.id),
  limits: (organization: platform.Organization) => PLAN_LIMITS[organization.plan],
  createdAt: (organization: platform.Organization) => organization.createdAt.toISOString(),
};

export const OrganizationMember = {
  userId: (member: platform.OrganizationMember) => member.accountId,
  user: (member: platform.OrganizationMember) => ({ __typename: "User", id: member.accountId }),
  joinedAt: (member: platform.OrganizationMember) => member.createdAt.toISOString(),
};
