import { badUserInput } from "@taruvi/errors";

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

export const decodeCursor = (cursor: string | null | undefined): Position | null => {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const date = new Date(at);
    if (typeof id !== "string" || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { at: date, id };
  } catch {
    throw badUserInput("after", "is not a cursor returned by this API");
  }
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
