import { hashPassword, parsePassword } from "@taruvi/auth";
import { isUniqueViolation } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import { parseDisplayName, parseEmail } from "@taruvi/validation";
import { withContext } from "../context";
import { print } from "../output";

export const createSuperuser = async (options: { email: string; password: string; name?: string }) => {
  const email = parseEmail(options.email);
  const localPart = email.split("@")[0] ?? email;
  const name = parseDisplayName(options.name ?? localPart);
  const password = parsePassword(options.password, "password", [localPart]);
  const passwordHash = await hashPassword(password);
  return withContext(async ({ platform }) => {
    try {
      const account = await platform.account.create({
        data: { email, name, passwordHash, isSuperuser: true, emailVerifiedAt: new Date() },
      });
      print(`created superuser ${account.email} (${account.id})`);
      return 0;
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict("email", `an account with the email ${email} already exists`);
      throw error;
    }
  });
};
