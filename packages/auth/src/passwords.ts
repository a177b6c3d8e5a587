import { hash, verify } from "@node-rs/argon2";
import { badUserInput } from "@taruvi/errors";

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane). */
const ARGON2 = {
  algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable under verbatimModuleSyntax */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

const TOO_COMMON = new Set([
  "password123",
  "password1234",
  "1234567890",
  "qwertyuiop",
  "letmein123",
  "iloveyou12",
  "administrator",
  "welcome123",
]);

/** The password policy; each failure names the field and why. */
export const parsePassword = (value: unknown, field = "password", context: string[] = []): string => {
  if (typeof value !== "string" || value.length === 0) throw badUserInput(field, "is required");
  if (value.length < PASSWORD_MIN)
    throw badUserInput(field, `must be at least ${PASSWORD_MIN} characters long`);
  if (value.length > PASSWORD_MAX)
    throw badUserInput(field, `must be at most ${PASSWORD_MAX} characters long`);
  if (new Set(value).size < 4) throw badUserInput(field, "must use at least 4 different characters");
  const lower = value.toLowerCase();
  if (TOO_COMMON.has(lower)) throw badUserInput(field, "is too common");
  for (const word of context) {
    if (word.length >= 4 && lower.includes(word.toLowerCase())) {
      throw badUserInput(field, "must not contain your email or name");
    }
  }
  return value;
};

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/** Constant-time comparison inside argon2; a malformed hash verifies as false. */
export const verifyPassword = async (passwordHash: string, password: string): Promise<boolean> => {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
};
