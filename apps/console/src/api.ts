import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TypedDocumentString } from "@taruvi/sdk";
import { useState } from "react";
import { useSession } from "./session";

/** The operation's name (the query key's stable part). */
const nameOf = (document: TypedDocumentString<unknown, unknown>): string =>
  /(?:query|mutation)\s+(\w+)/.exec(document.toString())?.[1] ?? "operation";

/** A query of the public API through the SDK, cached per scope, operation and variables. */
export const useApi = <R, V>(document: TypedDocumentString<R, V>, variables: V, enabled = true) => {
  const { client, site } = useSession();
  return useQuery({
    queryKey: [site ?? "platform", nameOf(document as TypedDocumentString<unknown, unknown>), variables],
    queryFn: () =>
      (client.request as (d: TypedDocumentString<R, V>, v: V) => Promise<R>)(document, variables),
    enabled,
  });
};

/** A mutation; on success every query of the console is refetched (lists, counts, audit). */
export const useAction = <R, V>(document: TypedDocumentString<R, V>) => {
  const { client } = useSession();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (variables: V) =>
      (client.request as (d: TypedDocumentString<R, V>, v: V) => Promise<R>)(document, variables),
    onSuccess: () => queries.invalidateQueries(),
  });
};

/** Cursor pagination: the `after` of the page shown, and moving forward and back. */
export const useCursor = () => {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const after = stack.at(-1) ?? null;
  return {
    after,
    page: stack.length,
    next: (endCursor: string | null) => endCursor && setStack((s) => [...s, endCursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
  };
};

/**
 * A list screen's filter with its cursor: a cursor belongs to one filter, so every change of the
 * filter starts again at the first page. `set(key)` is an onChange for one field; `replace` sets
 * the whole filter at once (a form applied on submit).
 */
export const usePagedFilter = <F extends Record<string, string>>(initial: F) => {
  const [filter, setFilter] = useState(initial);
  const cursor = useCursor();
  const change = (next: (current: F) => F) => {
    setFilter(next);
    cursor.reset();
  };
  return {
    filter,
    cursor,
    replace: (next: F) => change(() => next),
    set:
      <K extends keyof F>(key: K) =>
      (value: F[K]) =>
        change((current) => ({ ...current, [key]: value })),
  };
};
