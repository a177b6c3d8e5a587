import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { AppError } from "@taruvi/errors";

// Email bodies carry single-use links (password reset, email verification, invitations). In the
// queue they are sealed with AES-256-GCM under a key that lives only in the environment of the
// senders and the worker, so the database alone never holds a usable link (decision 0012).

/** The development key: every process of `npm start` and the tests agree on it. Refused in production. */
export const DEV_EMAIL_ENCRYPTION_KEY = "taruvi-development-email-encryption-key-do-not-use-in-production";

/** A secret shorter than this is refused (it is stretched with HKDF, not used as is). */
export const MIN_EMAIL_KEY_LENGTH = 32;

export type Sealer = {
  /** `v1.<key id>.<iv>.<ciphertext>.<tag>`, bound to `context` (which must match to open it). */
  seal: (plaintext: string, context: string) => string;
  /** The plaintext; throws when the key is unknown or the text or its context were altered. */
  open: (sealed: string, context: string) => string;
};

type Key = { id: string; key: Buffer };

const deriveKey = (secret: string): Key => {
  const key = Buffer.from(hkdfSync("sha256", secret, "taruvi", "email job body v1", 32));
  // Names the key in each sealed value (rotation), and says nothing of it.
  return { id: createHash("sha256").update(key).digest("hex").slice(0, 8), key };
};

/**
 * The secrets of `EMAIL_ENCRYPTION_KEY`: one, or several separated by commas while a key is
 * rotated (the first seals, every one opens). Each must be at least 32 characters.
 */
export const parseEmailKeys = (value: string): string[] => {
  const secrets = value
    .split(",")
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (secrets.length === 0) throw new Error("EMAIL_ENCRYPTION_KEY: at least one secret is required");
  for (const secret of secrets) {
    if (secret.length < MIN_EMAIL_KEY_LENGTH) {
      throw new Error(
        `EMAIL_ENCRYPTION_KEY: each secret must be at least ${MIN_EMAIL_KEY_LENGTH} characters`,
      );
    }
  }
  return secrets;
};

/** Production refuses the development key (and a value that is not a usable key). */
export const emailKeyProblems = (env: { NODE_ENV: string; EMAIL_ENCRYPTION_KEY: string }): string[] => {
  try {
    const secrets = parseEmailKeys(env.EMAIL_ENCRYPTION_KEY);
    if (env.NODE_ENV === "production" && secrets.includes(DEV_EMAIL_ENCRYPTION_KEY)) {
      return [
        "EMAIL_ENCRYPTION_KEY: must be set in production (the same value for the senders and the worker)",
      ];
    }
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
};

const unopenable = (why: string) => new AppError("INTERNAL_SERVER_ERROR", `email job: ${why}`);

/** Seals with the first of `keys` (the value of EMAIL_ENCRYPTION_KEY), opens with any of them. */
export const createSealer = (keys: string = DEV_EMAIL_ENCRYPTION_KEY): Sealer => {
  const derived = parseEmailKeys(keys).map(deriveKey);
  const current = derived[0] as Key;
  return {
    seal: (plaintext, context) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current.key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", current.id, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open: (sealed, context) => {
      const [version, id, iv, ciphertext, tag] = sealed.split(".");
      if (version !== "v1" || !id || !iv || ciphertext === undefined || !tag) {
        throw unopenable("the body is not a sealed value");
      }
      const key = derived.find((k) => k.id === id);
      if (!key)
        throw unopenable(`the body was sealed with key ${id}, which EMAIL_ENCRYPTION_KEY does not hold`);
      try {
        const decipher = createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, "base64url")),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw unopenable("the body or its recipient was altered");
      }
    },
  };
};
