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

/**
 * Characters that make a name read as something else: C0 and C1 controls, DEL, the line and
 * paragraph separators, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069: the "Trojan Source" characters, CVE-2021-42574) that reorder what is shown. The
 * implicit marks U+200E and U+200F stay allowed: right-to-left text needs them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const NOT_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The same for longer text, where tabs and line breaks are welcome. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const NOT_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const parseDisplayName = (value: unknown, field = "name", max = 100): string => {
  if (typeof value !== "string") throw badUserInput(field, "is required");
  const name = value.trim().normalize("NFC");
  if (name.length === 0) throw badUserInput(field, "must not be empty");
  if (name.length > max) throw badUserInput(field, `must be at most ${max} characters long`);
  if (NOT_IN_NAMES.test(name)) {
    throw badUserInput(field, "must not contain control characters or bidirectional overrides");
  }
  return name;
};

/**
 * Free text such as a description: trimmed, at most `max` characters, tabs and line breaks
 * allowed but no other control characters or bidirectional overrides; empty or null is null.
 */
export const parseText = (value: unknown, field: string, max: number): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw badUserInput(field, "must be text");
  const text = value.trim();
  if (text.length > max) throw badUserInput(field, `must be at most ${max} characters long`);
  if (NOT_IN_TEXT.test(text)) {
    throw badUserInput(field, "must not contain control characters or bidirectional overrides");
  }
  return text === "" ? null : text;
};

/** A date, or a date-time with a time zone (a zone-less time would be read in the server's zone). */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * The instants a date-time input may name: years 0001 to 9999 in UTC. ISO 8601 writes four-digit
 * years, and a later instant, though PostgreSQL stores it, no longer reads back into a JavaScript
 * Date (an API key expiring in year 20000 broke every listing of the site's keys).
 */
export const EARLIEST_DATE_TIME = new Date("0001-01-01T00:00:00.000Z");
export const LATEST_DATE_TIME = new Date("9999-12-31T23:59:59.999Z");

/** Whether year-month-day is a day of the calendar (Date reads February 31 as March 3). */
const isCalendarDay = (year: string, month: string, day: string): boolean => {
  const date = new Date(`${year}-${month}-01T00:00:00Z`);
  date.setUTCDate(Number(day));
  return date.getUTCMonth() + 1 === Number(month) && date.getUTCDate() === Number(day);
};

/**
 * An ISO 8601 date or date-time with a time zone (e.g. 2026-11-27T10:00:00Z), a real calendar
 * day, between EARLIEST_DATE_TIME and LATEST_DATE_TIME; BAD_USER_INPUT naming the field otherwise.
 */
export const parseDateTime = (value: unknown, field: string): Date => {
  const [text, year = "", month = "", day = ""] = (typeof value === "string" && ISO_8601.exec(value)) || [];
  const date = text ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()) || !isCalendarDay(year, month, day)) {
    throw badUserInput(
      field,
      "must be an ISO 8601 date or date-time with a time zone, e.g. 2026-11-27T10:00:00Z",
    );
  }
  if (date < EARLIEST_DATE_TIME || date > LATEST_DATE_TIME) {
    throw badUserInput(field, "must be between 0001-01-01 and 9999-12-31 (UTC)");
  }
  return date;
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
