import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "@taruvi/errors";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWK,
} from "jose";

/** The JWS algorithm of every access token (Ed25519). */
export const SIGNING_ALG = "EdDSA";

export type SigningKey = {
  kid: string;
  /** Not extractable: the private half never leaves the process once loaded. */
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** `{ kty, crv, x, kid, alg, use }`: what the JWKS publishes. */
  publicJwk: JWK;
  /** ISO date: a stored JWK's `createdAt` member when present, else when the key was loaded. */
  createdAt: string;
};

export type KeyStore = {
  /** The newest key: every new token is signed with it. */
  current: SigningKey;
  /** Oldest first, newest last. */
  keys: SigningKey[];
  jwks: () => { keys: JWK[] };
  byKid: (kid: string) => SigningKey | undefined;
};

/** A private JWK as stored in SIGNING_KEYS and the development key file. */
export type StoredJwk = JWK & { createdAt?: string };

const DEV_KEY_FILE = ["keys", "signing-keys.json"] as const;

/** Development only: where the signing keys live without SIGNING_KEYS. */
export const developmentKeyFile = (dataDir: string): string => join(dataDir, ...DEV_KEY_FILE);

const keyError = (message: string, cause?: unknown) =>
  new AppError("INTERNAL_SERVER_ERROR", message, cause === undefined ? {} : { cause });

const asCryptoKey = (key: CryptoKey | Uint8Array, what: string): CryptoKey => {
  if (key instanceof Uint8Array) throw keyError(`${what}: not an asymmetric key`);
  return key;
};

/** Builds a signing key from a private Ed25519 JWK; `kid` defaults to its RFC 7638 thumbprint. */
const keyFromPrivateJwk = async (jwk: StoredJwk, what: string): Promise<SigningKey> => {
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || typeof jwk.d !== "string") {
    throw keyError(`${what}: must be a private Ed25519 JWK (kty OKP, crv Ed25519, x and d)`);
  }
  const base = { kty: "OKP", crv: "Ed25519", x: jwk.x };
  const kid = typeof jwk.kid === "string" && jwk.kid !== "" ? jwk.kid : await calculateJwkThumbprint(base);
  try {
    const privateKey = asCryptoKey(await importJWK({ ...base, d: jwk.d }, SIGNING_ALG), what);
    const publicKey = asCryptoKey(await importJWK(base, SIGNING_ALG), what);
    const createdAt = typeof jwk.createdAt === "string" ? jwk.createdAt : new Date().toISOString();
    const publicJwk: JWK = { ...base, kid, alg: SIGNING_ALG, use: "sig" };
    return { kid, privateKey, publicKey, publicJwk, createdAt };
  } catch (error) {
    if (error instanceof AppError) throw error;
    // WebCrypto also refuses a JWK whose x does not belong to its d.
    throw keyError(`${what}: not a valid Ed25519 key`, error);
  }
};

/** A new private Ed25519 JWK with its thumbprint as kid. */
export const generatePrivateJwk = async (): Promise<StoredJwk> => {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: "Ed25519", extractable: true });
  const { kty, crv, x, d } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty, crv, x } as JWK);
  return { kty, crv, x, d, kid, createdAt: new Date().toISOString() };
};

export const generateSigningKey = async (): Promise<SigningKey> =>
  keyFromPrivateJwk(await generatePrivateJwk(), "generated key");

const keyStoreOf = (keys: SigningKey[]): KeyStore => {
  const current = keys.at(-1);
  if (!current) throw keyError("SIGNING_KEYS: no key");
  const byKid = new Map<string, SigningKey>();
  for (const key of keys) {
    if (byKid.has(key.kid)) throw keyError(`SIGNING_KEYS: kid "${key.kid}" appears twice`);
    byKid.set(key.kid, key);
  }
  return Object.freeze({
    current,
    keys: [...keys],
    jwks: () => ({ keys: keys.map((key) => ({ ...key.publicJwk })) }),
    byKid: (kid: string) => byKid.get(kid),
  });
};

export const parseJwkList = (text: string, what: string): StoredJwk[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw keyError(`${what}: not valid JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "object" || item === null)) {
    throw keyError(`${what}: must be a JSON array of private JWKs`);
  }
  return list as StoredJwk[];
};

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g;

/** PKCS8 PEM blocks as private JWKs, each with its RFC 7638 thumbprint as kid. */
const jwksFromPem = async (text: string): Promise<StoredJwk[]> => {
  // Accept "\n" written literally, as some secret stores and .env files keep PEM on one line.
  const blocks = text.replaceAll("\\n", "\n").match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw keyError("SIGNING_KEYS: neither a JSON array of JWKs nor PKCS8 PEM keys");
  return Promise.all(
    blocks.map(async (pem, index) => {
      let jwk: JWK;
      try {
        jwk = await exportJWK(await importPKCS8(pem, SIGNING_ALG, { extractable: true }));
      } catch (error) {
        throw keyError(`SIGNING_KEYS: PEM key #${index + 1}: not a PKCS8 Ed25519 private key`, error);
      }
      const { kty, crv, x, d } = jwk;
      return { kty, crv, x, d, kid: await calculateJwkThumbprint({ kty, crv, x } as JWK) } as StoredJwk;
    }),
  );
};

/** SIGNING_KEYS as private JWKs, newest last: a JSON array (or `{keys}`) of JWKs, or PEM blocks. */
export const parseSigningKeysText = async (text: string): Promise<StoredJwk[]> => {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[") && !trimmed.startsWith("{")) return jwksFromPem(trimmed);
  return parseJwkList(trimmed, "SIGNING_KEYS");
};

const parseSigningKeys = async (text: string): Promise<SigningKey[]> => {
  const pem = !text.trim().startsWith("[") && !text.trim().startsWith("{");
  const jwks = await parseSigningKeysText(text);
  return Promise.all(
    jwks.map((jwk, index) => keyFromPrivateJwk(jwk, `SIGNING_KEYS: ${pem ? "PEM " : ""}key #${index + 1}`)),
  );
};

/**
 * Development only: the key in `${dataDir}/keys/signing-keys.json`, generated on the first start
 * (mode 0600) and reused afterwards, so a restart keeps issued tokens valid. Created atomically:
 * concurrent first starts agree on one key.
 */
const loadDevelopmentKeys = async (dataDir: string): Promise<SigningKey[]> => {
  const file = developmentKeyFile(dataDir);
  const read = async () => {
    const jwks = parseJwkList(await readFile(file, "utf8"), file);
    return Promise.all(jwks.map((jwk, index) => keyFromPrivateJwk(jwk, `${file}: key #${index + 1}`)));
  };
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  await mkdir(join(dataDir, DEV_KEY_FILE[0]), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify([await generatePrivateJwk()], null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temporary);
  }
  return read();
};

/**
 * The signing keys. `signingKeys` (SIGNING_KEYS): a JSON array of private Ed25519 JWKs (each with
 * its kid, newest last) or PKCS8 PEM keys separated by blank lines (kid = RFC 7638 thumbprint).
 * Without it: an error in production, a key kept under `dataDir` in development.
 */
export const loadKeyStore = async (options: {
  signingKeys?: string;
  dataDir: string;
  production: boolean;
}): Promise<KeyStore> => {
  const { signingKeys, dataDir, production } = options;
  if (signingKeys !== undefined && signingKeys.trim() !== "") {
    return keyStoreOf(await parseSigningKeys(signingKeys));
  }
  if (production) throw keyError("SIGNING_KEYS is required in production");
  return keyStoreOf(await loadDevelopmentKeys(dataDir));
};
