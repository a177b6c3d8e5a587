// One file per mutation (STYLE.md): parse, call a domain function, shape.

import { acceptInvitation } from "./acceptInvitation";
import { createOrganization } from "./createOrganization";
import { inviteMember } from "./inviteMember";
import { removeMember } from "./removeMember";
import { resendInvitation } from "./resendInvitation";
import { revokeInvitation } from "./revokeInvitation";
import { updateMemberRole } from "./updateMemberRole";
import { updateOrganization } from "./updateOrganization";

export const Mutation = {
  createOrganization,
  updateOrganization,
  updateMemberRole,
  removeMember,
  inviteMember,
  acceptInvitation,
  resendInvitation,
  revokeInvitation,
};
