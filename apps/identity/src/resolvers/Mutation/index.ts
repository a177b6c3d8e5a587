// One file per mutation (STYLE.md): parse, call a domain function, shape.

import { addGroupMember } from "./addGroupMember";
import { changeMyEmail } from "./changeMyEmail";
import { changeMyPassword } from "./changeMyPassword";
import { createApiKey } from "./createApiKey";
import { createGroup } from "./createGroup";
import { createUser } from "./createUser";
import { deactivateUser } from "./deactivateUser";
import { deleteGroup } from "./deleteGroup";
import { grantPermission } from "./grantPermission";
import { refreshSession } from "./refreshSession";
import { removeGroupMember } from "./removeGroupMember";
import { requestEmailVerification } from "./requestEmailVerification";
import { requestPasswordReset } from "./requestPasswordReset";
import { resetPassword } from "./resetPassword";
import { restoreUser } from "./restoreUser";
import { revokeApiKey } from "./revokeApiKey";
import { revokePermission } from "./revokePermission";
import { sendPasswordReset } from "./sendPasswordReset";
import { signIn } from "./signIn";
import { signOut } from "./signOut";
import { signUp } from "./signUp";
import { updateGroup } from "./updateGroup";
import { updateUser } from "./updateUser";
import { verifyEmail } from "./verifyEmail";

export const Mutation = {
  signUp,
  signIn,
  refreshSession,
  signOut,
  createUser,
  updateUser,
  deactivateUser,
  restoreUser,
  createApiKey,
  revokeApiKey,
  requestPasswordReset,
  resetPassword,
  sendPasswordReset,
  changeMyPassword,
  changeMyEmail,
  requestEmailVerification,
  verifyEmail,
  createGroup,
  updateGroup,
  deleteGroup,
  addGroupMember,
  removeGroupMember,
  grantPermission,
  revokePermission,
};
