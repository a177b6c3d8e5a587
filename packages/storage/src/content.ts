import { badUserInput } from "@taruvi/errors";
import type { DownloadOptions, UploadOptions } from "./driver";

/** SigV4's limit for a presigned URL, and so the longest any driver signs for. */
export const MAX_EXPIRES_IN_SECONDS = 7 * 24 * 60 * 60;

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`,
);

const essence = (contentType: string): string => (contentType.split(";")[0] ?? "").trim().toLowerCase();

const ACTIVE = new Set([
  "text/html",
  "application/xhtml+xml",
  "image/svg+xml",
  "text/xml",
  "application/xml",
  "text/xsl",
  "text/javascript",
  "application/javascript",
  "application/x-javascript",
  "text/ecmascript",
  "application/ecmascript",
  "text/jscript",
  "text/vbscript",
  "application/x-shockwave-flash",
]);

/**
 * Content a browser would render as a document or run as script when opened from our URL:
 * HTML, SVG, any XML (`*\/xml`, `*+xml`: XHTML, XSLT, RSS can carry script), JavaScript, Flash,
 * multipart, and anything that is not a valid media type. It is served as an attachment.
 */
export const isActiveContent = (contentType: string): boolean => {
  if (!MEDIA_TYPE.test(contentType.trim())) return true;
  const type = essence(contentType);
  return (
    ACTIVE.has(type) ||
    type.endsWith("+xml") ||
    type.endsWith("/xml") ||
    type.includes("javascript") ||
    type.includes("ecmascript") ||
    type.startsWith("multipart/")
  );
};

/** RFC 5987 attr-chars stay; everything else (including `'()*`, which encodeURIComponent keeps) is %-encoded. */
const encodeRfc5987 = (value: string): string =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf` (RFC 6266): an ASCII fallback
 * with quotes, backslashes and non-ASCII replaced, and the exact UTF-8 name for every browser
 * that reads `filename*`.
 */
export const contentDisposition = (disposition: "inline" | "attachment", filename: string): string => {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(filename)}`;
};

export const assertContentType = (contentType: string): string => {
  if (contentType.length > 255 || !MEDIA_TYPE.test(contentType)) {
    throw badUserInput("contentType", "must be a media type such as image/png");
  }
  return contentType;
};

export const assertExpiresIn = (seconds: number): number => {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRES_IN_SECONDS) {
    throw badUserInput("expiresIn", `must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_SECONDS}`);
  }
  return seconds;
};

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Checks an upload's declared size (against the store's limit), type, sha256 and expiry; the sha256 in lower case. */
export const assertUpload = (o: UploadOptions, maxBytes: number): UploadOptions => {
  if (!Number.isSafeInteger(o.size) || o.size < 0)
    throw badUserInput("size", "must be a whole number of bytes");
  if (o.size > maxBytes) throw badUserInput("size", `must be at most ${maxBytes} bytes`);
  if (!SHA256_HEX.test(o.sha256)) throw badUserInput("sha256", "must be 64 hex digits");
  assertContentType(o.contentType);
  assertExpiresIn(o.expiresInSeconds);
  return { ...o, sha256: o.sha256.toLowerCase() };
};

export const assertDownload = (o: DownloadOptions): DownloadOptions => {
  if (o.disposition !== "inline" && o.disposition !== "attachment") {
    throw badUserInput("disposition", "must be inline or attachment");
  }
  assertContentType(o.contentType);
  assertExpiresIn(o.expiresInSeconds);
  return o;
};
