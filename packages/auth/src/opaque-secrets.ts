import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** SHA-256 hex of an opaque secret: what is stored instead of a refresh token or an API key. */
export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** Constant-time comparison of two SHA-256 hex digests (false for anything malformed). */
export const sameHash = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
};

/** A refresh token: 256 random bits, base64url (43 characters). */
export const newRefreshToken = (): string => randomBytes(32).toString("base64url");

/** The HKDF label that keeps the successor key apart from every other use of its secret. */
const SUCCESSOR_KEY_LABEL = "taruvi refresh-token successor v1";

/**
 * The key that derives refresh-token successors from a server secret (HKDF-SHA256 with its own
 * label, so it says nothing about the secret nor about other keys derived from it).
 */
export const refreshSuccessorKey = (secret: string): Uint8Array => {
  if (Buffer.byteLength(secret) < 32) throw new Error("the successor secret must be at least 32 bytes");
  return new Uint8Array(hkdfSync("sha256", secret, new Uint8Array(0), SUCCESSOR_KEY_LABEL, 32));
};

/**
 * The successor of a refresh token: HMAC-SHA256 of the token under `key`, base64url (43
 * characters, the shape of newRefreshToken). The same token always has the same successor, so
 * two concurrent refreshes of it can both answer with it while only its hash is stored; without
 * the key, a token says nothing about its successor.
 */
export const successorRefreshToken = (key: Uint8Array, token: string): string =>
  createHmac("sha256", key).update(token).digest("base64url");

/** The start of every API key, so scanners and people recognise one. */
export const API_KEY_PREFIX = "tvk_";
const API_KEY = /^tvk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * A new API key `tvk_<12 hex>_<43 base64url>`. The public `prefix` (`tvk_<12 hex>`) finds the
 * row; only the key's hash is stored.
 */
export const newApiKey = (): { key: string; prefix: string; hash: string } => {
  const prefix = `${API_KEY_PREFIX}${randomBytes(6).toString("hex")}`;
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashSecret(key) };
};

/** The lookup prefix and hash of a presented API key; null when it is not shaped like one. */
export const parseApiKey = (key: string): { prefix: string; hash: string } | null => {
  const match = API_KEY.exec(key);
  return match ? { prefix: `${API_KEY_PREFIX}${match[1]}`, hash: hashSecret(key) } : null;
};
