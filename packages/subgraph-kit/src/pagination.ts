import { badUserInput } from "@taruvi/errors";
import { isUuid } from "@taruvi/validation";

export type PageArgs = { first?: number | null; after?: string | null };
export type Position = { at: Date; id: string };

export const MAX_PAGE_SIZE = 100;

/** `first` within 1..100 (default 20); BAD_USER_INPUT naming the field otherwise. */
export const pageSize = (first: number | null | undefined): number => {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput("first", `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
};

/** Opaque cursors over a stable (timestamp, id) order. */
export const encodeCursor = ({ at, id }: Position): string =>
  Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");

/** The instant `encodeCursor` writes: `Date.toISOString` of a year 0000-9999. */
const CURSOR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Longer than any cursor `encodeCursor` makes (about 90 characters). */
const CURSOR_MAX = 200;

/**
 * The position a cursor of `encodeCursor` names; null without one (an empty string included, as
 * before). Anything else — not base64url,
 * not the two-element JSON array, a time that does not print back the same, an id that is not a
 * UUID — is BAD_USER_INPUT on `after`, before any query sees it.
 */
export const decodeCursor = (cursor: string | null | undefined): Position | null => {
  if (!cursor) return null;
  const refused = badUserInput("after", "is not a cursor returned by this API");
  if (cursor.length > CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw refused;
  const [at, id] = decoded as unknown[];
  if (typeof at !== "string" || !CURSOR_INSTANT.test(at) || !isUuid(id)) {
    throw refused;
  }
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) throw refused;
  return { at: date, id: id.toLowerCase() };
};

/** A connection from `size + 1` rows fetched in order: the extra row only says there is more. */
export const toConnection = <T>(rows: T[], size: number, position: (row: T) => Position) => {
  const page = rows.slice(0, size);
  const last = page.at(-1);
  return {
    edges: page.map((node) => ({ cursor: encodeCursor(position(node)), node })),
    pageInfo: { hasNextPage: rows.length > size, endCursor: last ? encodeCursor(position(last)) : null },
  };
};
