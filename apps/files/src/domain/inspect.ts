/**
 * What completeUpload checks in the stored object itself: the store may not have enforced the
 * presigned bounds (s3rver does not; a misconfigured proxy might not), so the size comes from a
 * HEAD, the SHA-256 from the streamed bytes, and the media type from the bytes' own signature.
 */
import { createHash } from "node:crypto";
import type { StorageDriver } from "@taruvi/storage";
import { fileTypeFromBuffer, supportedMimeTypes } from "file-type";

/** How many leading bytes file-type reads to recognise a format. */
const SNIFF_BYTES = 4100;

/** Names one media type goes by: the declared name counts when the bytes are its alias. */
const ALIASES: Readonly<Record<string, string>> = {
  "image/jpg": "image/jpeg",
  "audio/mp3": "audio/mpeg",
  "application/x-zip-compressed": "application/zip",
};
const canonical = (type: string) => ALIASES[type] ?? type;

/** Whether bytes recognised as `detected` may be called `declared`. */
const agrees = (declared: string, detected: string): boolean =>
  canonical(declared) === canonical(detected) ||
  // file-type calls every XML document application/xml: SVG, Atom, text/xml are XML too.
  (detected === "application/xml" && (declared === "text/xml" || declared.endsWith("+xml")));

export type Mismatch = { field: "size" | "sha256" | "contentType"; why: string };

/** The first way the stored object differs from what was declared; null when it matches. */
export const inspectObject = async (
  storage: StorageDriver,
  key: string,
  declared: { size: number; sha256: string; contentType: string },
  storedSize: number,
): Promise<Mismatch | null> => {
  if (storedSize !== declared.size) {
    return { field: "size", why: `${storedSize} bytes were uploaded, ${declared.size} were declared` };
  }
  const hash = createHash("sha256");
  const head: Buffer[] = [];
  let headLength = 0;
  for await (const chunk of await storage.read(key)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    if (headLength < SNIFF_BYTES) {
      head.push(bytes);
      headLength += bytes.length;
    }
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== declared.sha256) {
    return {
      field: "sha256",
      why: `the uploaded bytes' SHA-256 is ${sha256}, ${declared.sha256} was declared`,
    };
  }
  const detected = await fileTypeFromBuffer(Buffer.concat(head).subarray(0, SNIFF_BYTES));
  if (detected && !agrees(declared.contentType, detected.mime)) {
    return {
      field: "contentType",
      why: `the bytes are ${detected.mime}, ${declared.contentType} was declared`,
    };
  }
  if (!detected && supportedMimeTypes.has(canonical(declared.contentType) as never)) {
    return { field: "contentType", why: `the bytes are not ${declared.contentType}` };
  }
  return null;
};
