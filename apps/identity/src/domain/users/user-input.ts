import { parsePassword } from "@taruvi/auth";
import { isUniqueViolation } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import { parseDisplayName, parseEmail } from "@taruvi/validation";

export type NewUserInput = { email?: unknown; password?: unknown; name?: unknown };

/** Words a password must not contain: the email, its local part, the name and its words. */
export const personalWords = (email: string, name: string): string[] => [
  email,
  email.split("@")[0] ?? "",
  name,
  ...name.split(/\s+/),
];

/** Email (normalized), display name and a password that meets the policy; BAD_USER_INPUT naming the field. */
export const parseNewUser = (input: NewUserInput) => {
  const email = parseEmail(input.email);
  const name = parseDisplayName(input.name);
  const password = parsePassword(input.password, "password", personalWords(email, name));
  return { email, name, password };
};

/** Runs a write; a unique violation on the email becomes CONFLICT naming the field. */
export const emailMustBeFree = async <T>(write: () => Promise<T>, field = "email"): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(field, "is already in use");
    throw error;
  }
};
