/**
 * What an upload declares, parsed before anything is stored: each refusal is BAD_USER_INPUT
 * naming the field and why.
 */
import { badUserInput } from "@taruvi/errors";
import { parseDisplayName } from "@taruvi/validation";

/** Longest file name accepted, in characters. */
export const NAME_MAX = 255;

/**
 * The name a file is downloaded under: trimmed, 1 to NAME_MAX characters, no control characters
 * (NUL included) or bidirectional overrides, no path separators, not `.` or `..`. Names never
 * reach a path or an object key (keys are ids); this keeps Content-Disposition and every client's
 * "save as" honest.
 */
export const parseFileName = (value: unknown): string => {
  const name = parseDisplayName(value, "name", NAME_MAX);
  if (/[/\\]/.test(name)) throw badUserInput("name", "must not contain path separators (/ or \\)");
  if (name === "." || name === "..") throw badUserInput("name", `"${name}" is not a file name`);
  return name;
};

/** RFC 9110 `type/subtype` tokens; parameters (`; charset=…`) are not taken. */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

export const parseContentType = (value: unknown): string => {
  if (typeof value !== "string") throw badUserInput("contentType", "is required");
  const type = value.trim().toLowerCase();
  if (!CONTENT_TYPE.test(type)) {
    throw badUserInput(
      "contentType",
      "must be a media type `type/subtype` without parameters, e.g. image/png",
    );
  }
  return type;
};

/** A byte count: a whole number from 1 up (the plan's limits are checked separately). */
export const parseSize = (value: unknown): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw badUserInput("size", "must be a whole number of bytes, at least 1");
  }
  return value;
};

export const parseSha256 = (value: unknown): string => {
  if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value)) {
    throw badUserInput("sha256", "must be the SHA-256 of the bytes: 64 hexadecimal digits");
  }
  return value.toLowerCase();
};

/** SigV4's longest presigned URL life: seven days. */
export const MAX_DOWNLOAD_SECONDS = 7 * 86_400;

export const parseExpiresIn = (value: unknown): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_DOWNLOAD_SECONDS) {
    throw badUserInput("expiresIn", `must be whole seconds from 1 to ${MAX_DOWNLOAD_SECONDS} (7 days)`);
  }
  return value;
};
