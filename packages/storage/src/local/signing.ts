import { createHmac, timingSafeEqual } from "node:crypto";

/** The query parameters each method's URL carries, all bound into its signature. */
const FIELDS = {
  PUT: ["expires", "size", "type", "sha256"],
  GET: ["expires", "type", "disposition", "filename"],
} as const;

export type SignedMethod = keyof typeof FIELDS;
export type Verdict =
  | { ok: true; params: Record<string, string> }
  | { ok: false; code: "SignatureDoesNotMatch" | "Expired"; message: string };

/** The signed string: an array serialized as JSON, so no value can be mistaken for another field. */
const payload = (method: SignedMethod, key: string, params: Record<string, string>): string =>
  JSON.stringify(["taruvi-storage-v1", method, key, ...FIELDS[method].map((f) => params[f] ?? "")]);

const mac = (secret: Uint8Array, text: string): Buffer => createHmac("sha256", secret).update(text).digest();

/** The URL's query string: the method's fields and their HMAC-SHA256 (base64url). */
export const signedQuery = (
  secret: Uint8Array,
  method: SignedMethod,
  key: string,
  params: Record<string, string>,
): string => {
  const query = new URLSearchParams();
  for (const field of FIELDS[method]) query.set(field, params[field] ?? "");
  query.set("signature", mac(secret, payload(method, key, params)).toString("base64url"));
  return query.toString();
};

/**
 * Checks a request's query against its method and key: every field present once, the signature
 * equal in constant time, then the expiry (so a tampered expiry reads as a bad signature).
 */
export const verifyQuery = (
  secret: Uint8Array,
  method: SignedMethod,
  key: string,
  query: URLSearchParams,
  now = Date.now(),
): Verdict => {
  const params: Record<string, string> = {};
  for (const field of FIELDS[method]) {
    const values = query.getAll(field);
    if (values.length !== 1 || values[0] === undefined) {
      return { ok: false, code: "SignatureDoesNotMatch", message: `the URL lacks its signed ${field}` };
    }
    params[field] = values[0];
  }
  const given = Buffer.from(query.get("signature") ?? "", "base64url");
  const expected = mac(secret, payload(method, key, params));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: "SignatureDoesNotMatch", message: "the signature does not match this URL" };
  }
  if (!/^\d+$/.test(params.expires ?? "") || Number(params.expires) * 1000 <= now) {
    return { ok: false, code: "Expired", message: "the URL has expired" };
  }
  return { ok: true, params };
};
