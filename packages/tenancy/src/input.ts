import { badUserInput } from "@taruvi/errors";
import { z } from "zod";

/** Slugs are DNS labels (`<slug>.<BASE_DOMAIN>`), so lower-case ASCII only. */
const SLUG = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const SLUG_MIN = 3;
const SLUG_MAX = 40;

/** Host names the platform itself answers at; no site or organization may take them. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "cdn",
  "docs",
  "gateway",
  "graphql",
  "localhost",
  "mail",
  "platform",
  "static",
  "status",
  "taruvi",
  "www",
]);

export const parseSlug = (value: unknown, field = "slug"): string => {
  if (typeof value !== "string") throw badUserInput(field, "is required");
  if (value.length < SLUG_MIN || value.length > SLUG_MAX) {
    throw badUserInput(field, `must be ${SLUG_MIN} to ${SLUG_MAX} characters long`);
  }
  if (!SLUG.test(value)) {
    throw badUserInput(
      field,
      "must start with a letter and contain only lower-case letters a-z, digits and hyphens, not ending in a hyphen",
    );
  }
  if (value.includes("--")) throw badUserInput(field, "must not contain two hyphens in a row");
  if (RESERVED_SLUGS.has(value)) throw badUserInput(field, `"${value}" is reserved`);
  return value;
};

export const parseDisplayName = (value: unknown, field = "name"): string => {
  if (typeof value !== "string") throw badUserInput(field, "is required");
  const name = value.trim().normalize("NFC");
  if (name.length === 0) throw badUserInput(field, "must not be empty");
  if (name.length > 100) throw badUserInput(field, "must be at most 100 characters long");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw badUserInput(field, "must not contain control characters");
  return name;
};

const email = z.email();

/** Trimmed and lower-cased; emails are unique per scope in that form. */
export const parseEmail = (value: unknown, field = "email"): string => {
  if (typeof value !== "string") throw badUserInput(field, "is required");
  const normalized = value.trim().toLowerCase();
  if (normalized.length > 254 || !email.safeParse(normalized).success) {
    throw badUserInput(field, "must be a valid email address");
  }
  return normalized;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

export const parseUuid = (value: unknown, field: string): string => {
  if (!isUuid(value)) throw badUserInput(field, "must be a UUID");
  return value.toLowerCase();
};

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A custom domain a site may answer at: an ASCII host name (punycode `xn--` labels for
 * internationalized names), lower-cased and trimmed, one trailing dot dropped. No scheme, port,
 * path, IP address or single-label name; the TLD is not all digits.
 */
export const parseHostname = (value: unknown, field = "domain"): string => {
  if (typeof value !== "string") throw badUserInput(field, "is required");
  const host = value.trim().toLowerCase().replace(/\.$/, "");
  if (host.length === 0) throw badUserInput(field, "must not be empty");
  if (host.length > 253) throw badUserInput(field, "must be at most 253 characters long");
  if (/[^a-z0-9.-]/.test(host)) {
    throw badUserInput(
      field,
      "must be a host name only (letters a-z, digits, hyphens and dots; no scheme, port, path or unicode: use punycode)",
    );
  }
  const labels = host.split(".");
  if (labels.length < 2) throw badUserInput(field, "must have at least two labels (e.g. app.example.com)");
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw badUserInput(
        field,
        "each label must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen",
      );
    }
  }
  if (/^[0-9]+$/.test(labels.at(-1) ?? "")) {
    throw badUserInput(field, "must be a host name, not an IP address");
  }
  return host;
};

/** Whether `host` is `base` itself or a name under it. */
export const isUnderDomain = (host: string, base: string): boolean => {
  const b = base.toLowerCase().replace(/\.$/, "");
  return host === b || host.endsWith(`.${b}`);
};
