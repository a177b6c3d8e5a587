import { unwrapResolverError } from "@apollo/server/errors";
import {
  ERROR_CODES,
  isAppError,
  isDependencyUnavailable,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
} from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import type { GraphQLFormattedError } from "graphql";

const PUBLIC_CODES = new Set<string>([
  ...ERROR_CODES,
  // Apollo Server's own request errors are safe to show.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
  // The gateway's operation limits.
  "PAYLOAD_TOO_LARGE",
]);

/**
 * graphql-js echoes a variable it could not coerce ("Variable "$input" got invalid value
 * {…password…}; …"): keep the reason, drop the value, which may hold a password or a token.
 */
const withoutEchoedValue = (message: string): string =>
  /^Variable "\$[^"]+" got invalid value /.test(message)
    ? message.replace(/ got invalid value [\s\S]*?(; |$)/, " got an invalid value$1")
    : message;

/**
 * PostgreSQL's refusals of text it cannot store: 22021 (U+0000, or bytes that are not UTF-8) and
 * 22P05 (U+0000 in jsonb), raised by pg itself or wrapped by Prisma's driver adapter. The
 * gateway refuses such text before it reaches a subgraph; this is the backstop.
 */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);
const isUnstorableText = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  };
  const code = e.meta?.driverAdapterError?.cause?.originalCode ?? e.code;
  return typeof code === "string" && UNSTORABLE_TEXT.has(code);
};

/**
 * Apollo Server's refusals of a malformed request that carry no code of their own (a persisted
 * query of an unsupported version, or whose sha256Hash does not match the query): a GraphQL
 * error of the request, not of a field, that Apollo answers with HTTP 400.
 */
const isCodelessBadRequest = (error: unknown): boolean => {
  // By shape, not `instanceof`: Apollo Server may hold another copy of graphql-js (ESM and CJS).
  if (typeof error !== "object" || error === null) return false;
  const e = error as { extensions?: { code?: unknown; http?: { status?: unknown } }; path?: unknown };
  const original = (error as { originalError?: unknown }).originalError;
  return (
    e.extensions?.code === undefined &&
    e.extensions?.http?.status === 400 &&
    e.path === undefined &&
    original === undefined
  );
};

/**
 * Known codes pass through with their safe message; a dependency that is down (the database
 * unreachable, a statement timed out) is SERVICE_UNAVAILABLE with retryAfter; text the database cannot store is
 * BAD_USER_INPUT and Apollo's code-less 400s are BAD_REQUEST; anything else becomes a masked
 * INTERNAL_SERVER_ERROR, logged with the request id.
 */
export const createFormatError =
  (getLogger: () => Logger) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (isAppError(original)) {
      if (original.code === "INTERNAL_SERVER_ERROR") getLogger().error({ err: original }, "internal error");
      return {
        message: original.userMessage,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: original.extensions,
      };
    }
    if (isDependencyUnavailable(original)) {
      // The database (or another dependency) is down or stuck: the client may retry, nothing
      // about its request was wrong.
      getLogger().warn({ err: original }, "a dependency is unavailable");
      return {
        message: "A service this request needs is unavailable; retry shortly",
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: "SERVICE_UNAVAILABLE", retryAfter: UNAVAILABLE_RETRY_AFTER_SECONDS },
      };
    }
    if (isUnstorableText(original)) {
      // The gateway's check should have refused it first: worth a look, not an alarm.
      getLogger().warn({ err: original }, "text the database cannot store reached it");
      return {
        message: "Text must not contain NUL characters (U+0000) or invalid Unicode",
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: "BAD_USER_INPUT" },
      };
    }
    if (isCodelessBadRequest(error)) {
      return { message: formatted.message, extensions: { code: "BAD_REQUEST" } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && PUBLIC_CODES.has(code) && code !== "INTERNAL_SERVER_ERROR") {
      return { ...formatted, message: withoutEchoedValue(formatted.message) };
    }
    getLogger().error({ err: original }, "unexpected error");
    return {
      message: "Internal server error",
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
