// One file per mutation (STYLE.md): parse, call a domain function, shape.

import { createApiKey } from "./createApiKey";
import { createUser } from "./createUser";
import { deactivateUser } from "./deactivateUser";
import { refreshSession } from "./refreshSession";
import { requestEmailVerification } from "./requestEmailVerification";
import { requestPasswordReset } from "./requestPasswordReset";
import { resetPassword } from "./resetPassword";
import { restoreUser } from "./restoreUser";
import { revokeApiKey } from "./revokeApiKey";
import { signIn } from "./signIn";
import { signOut } from "./signOut";
import { signUp } from "./signUp";
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
  requestEmailVerification,
  verifyEmail,
};
