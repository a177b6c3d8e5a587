import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError, badUserInput } from "@taruvi/errors";
import {
  developmentKeyFile,
  generatePrivateJwk,
  parseJwkList,
  parseSigningKeysText,
  type StoredJwk,
} from "./keys";

// Key rotation: a new key becomes the newest (every new token is signed with it); older keys stay
// published in the JWKS, so tokens they signed verify until those keys are retired.

export type KeyInfo = { kid: string; createdAt: string | null; current: boolean };

/** The keys of a list, oldest first; the newest signs. */
export const describeKeys = (jwks: StoredJwk[]): KeyInfo[] =>
  jwks.map((jwk, index) => ({
    kid: String(jwk.kid ?? ""),
    createdAt: typeof jwk.createdAt === "string" ? jwk.createdAt : null,
    current: index === jwks.length - 1,
  }));

/** The list with a new key at the end (the newest). */
export const withNewKey = async (jwks: StoredJwk[]): Promise<{ jwks: StoredJwk[]; kid: string }> => {
  const added = await generatePrivateJwk();
  return { jwks: [...jwks, added], kid: String(added.kid) };
};

/**
 * The list without `kid`. Refuses (BAD_USER_INPUT on `kid`) an unknown kid, the newest key (it
 * signs every new token: rotate first) and the last remaining one.
 */
export const withoutKey = (jwks: StoredJwk[], kid: string): StoredJwk[] => {
  const index = jwks.findIndex((jwk) => jwk.kid === kid);
  if (index === -1) throw badUserInput("kid", `no signing key with kid "${kid}"`);
  if (jwks.length === 1) throw badUserInput("kid", `"${kid}" is the only signing key; it cannot be retired`);
  if (index === jwks.length - 1) {
    throw badUserInput(
      "kid",
      `"${kid}" is the newest key and signs new tokens; rotate first, then retire it`,
    );
  }
  return jwks.filter((_, i) => i !== index);
};

/** The development key file's keys; none when it does not exist yet (the apps create it). */
export const readKeyFile = async (dataDir: string): Promise<StoredJwk[]> => {
  const file = developmentKeyFile(dataDir);
  try {
    return parseJwkList(await readFile(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
};

/** Replaces the development key file atomically (a reader sees the old or the new list), mode 0600. */
export const writeKeyFile = async (dataDir: string, jwks: StoredJwk[]): Promise<string> => {
  if (jwks.length === 0) throw new AppError("INTERNAL_SERVER_ERROR", "refusing to write an empty key file");
  const file = developmentKeyFile(dataDir);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(temporary, file);
  return file;
};

/** SIGNING_KEYS (JSON or PEM; unset: none) as private JWKs, newest last. */
export const readSigningKeys = async (signingKeys: string | undefined): Promise<StoredJwk[]> =>
  signingKeys === undefined || signingKeys.trim() === "" ? [] : parseSigningKeysText(signingKeys);

/** A SIGNING_KEYS value (JSON array of private JWKs, newest last). */
export const formatSigningKeys = (jwks: StoredJwk[]): string => JSON.stringify(jwks);
