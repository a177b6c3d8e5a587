import type { platform } from "@taruvi/db";
import { invitationStatus } from "@taruvi/platform";
import type { Context } from "../context";

// The token hash never leaves the domain: the schema has no field for it.
export const Invitation = {
  status: (invitation: platform.Invitation) => invitationStatus(invitation),
  organization: (invitation: platform.Invitation, _: unknown, ctx: Context) =>
    ctx.loaders.organizationById.load(invitation.organizationId),
  invitedBy: (invitation: platform.Invitation) =>
    invitation.invitedById ? { __typename: "User", id: invitation.invitedById } : null,
  expiresAt: (invitation: platform.Invitation) => invitation.expiresAt.toISOString(),
  createdAt: (invitation: platform.Invitation) => invitation.createdAt.toISOString(),
};
