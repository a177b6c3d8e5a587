import { createHash, randomBytes } from "node:crypto";

/** What every bench file is declared as: bytes file-type recognises as nothing. */
export const CONTENT_TYPE = "application/octet-stream";

/**
 * How many leading bytes are text: completeUpload sniffs the first 4,100 bytes (file-type), and
 * random bytes sometimes start like a known format (`MZ`, gzip's `1f 8b 08`), which would refuse
 * the upload as not application/octet-stream.
 */
const TEXT_HEAD = 4_100;

export type Payload = { name: string; bytes: Buffer; sha256: string };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const withTextHead = (name: string, bytes: Buffer): Payload => {
  bytes.fill(0x20, 0, Math.min(TEXT_HEAD, bytes.length));
  bytes.write(`taruvi files bench: ${name}\n`, 0, "utf8");
  return { name, bytes, sha256: sha256(bytes) };
};

/**
 * `count` distinct files of `size` bytes, cut from one random buffer (one call to the generator,
 * hashed once each).
 */
export const smallPayloads = (count: number, size: number, prefix: string): Payload[] => {
  const pool = randomBytes(count * size);
  return Array.from({ length: count }, (_, i) =>
    withTextHead(`${prefix}-${i}.bin`, pool.subarray(i * size, (i + 1) * size)),
  );
};

/** One file of `size` random bytes: generated once, its SHA-256 computed once. */
export const largePayload = (size: number, name: string): Payload => withTextHead(name, randomBytes(size));
