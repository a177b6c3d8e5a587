import { unwrapResolverError } from "@apollo/server/errors";
import {
  type AppError,
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

/** What an error is to a client (and whether it is worth a log line), from its original cause. */
type ErrorKind = "app" | "app-internal" | "unavailable" | "unstorable" | "codeless" | "public" | "unexpected";

const kindOf = (original: unknown, error: unknown, code: unknown): ErrorKind => {
  if (isAppError(original)) return original.code === "INTERNAL_SERVER_ERROR" ? "app-internal" : "app";
  if (isDependencyUnavailable(original)) return "unavailable";
  if (isUnstorableText(original)) return "unstorable";
  if (isCodelessBadRequest(error)) return "codeless";
  if (typeof code === "string" && PUBLIC_CODES.has(code) && code !== "INTERNAL_SERVER_ERROR") return "public";
  return "unexpected";
};

/**
 * Logs an error of a GraphQL response as its formatting warrants: a masked internal error at
 * `error`, a dependency that is down or unstorable text at `warn`, anything a client caused not
 * at all.
 */
export const reportError = (logger: Logger, error: unknown, code?: unknown): void => {
  const original = unwrapResolverError(error);
  switch (kindOf(original, error, code ?? (error as { extensions?: { code?: unknown } }).extensions?.code)) {
    case "app-internal":
      logger.error({ err: original }, "internal error");
      return;
    case "unavailable":
      // The database (or another dependency) is down or stuck: the client may retry, nothing
      // about its request was wrong.
      logger.warn({ err: original }, "a dependency is unavailable");
      return;
    case "unstorable":
      // The gateway's check should have refused it first: worth a look, not an alarm.
      logger.warn({ err: original }, "text the database cannot store reached it");
      return;
    case "unexpected":
      logger.error({ err: original }, "unexpected error");
      return;
    default:
      return;
  }
};

/**
 * Known codes pass through with their safe message; a dependency that is down (the database
 * unreachable, a statement timed out) is SERVICE_UNAVAILABLE with retryAfter; text the database
 * cannot store is BAD_USER_INPUT and Apollo's code-less 400s are BAD_REQUEST; anything else
 * becomes a masked INTERNAL_SERVER_ERROR. With a logger, what warrants it is logged
 * (`reportError`); without, the caller reports errors where it knows the request (the subgraph
 * kit: in a plugin, with the request's logger).
 */
export const createFormatError =
  (getLogger: (() => Logger) | null) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (getLogger) reportError(getLogger(), error, formatted.extensions?.code);
    const original = unwrapResolverError(error);
    switch (kindOf(original, error, formatted.extensions?.code)) {
      case "app":
      case "app-internal": {
        const app = original as AppError;
        return {
          message: app.userMessage,
          ...(formatted.locations ? { locations: formatted.locations } : {}),
          ...(formatted.path ? { path: formatted.path } : {}),
          extensions: app.extensions,
        };
      }
      case "unavailable":
        return {
          message: "A service this request needs is unavailable; retry shortly",
          ...(formatted.path ? { path: formatted.path } : {}),
          extensions: { code: "SERVICE_UNAVAILABLE", retryAfter: UNAVAILABLE_RETRY_AFTER_SECONDS },
        };
      case "unstorable":
        return {
          message: "Text must not contain NUL characters (U+0000) or invalid Unicode",
          ...(formatted.path ? { path: formatted.path } : {}),
          extensions: { code: "BAD_USER_INPUT" },
        };
      case "codeless":
        return { message: formatted.message, extensions: { code: "BAD_REQUEST" } };
      case "public":
        return { ...formatted, message: withoutEchoedValue(formatted.message) };
      default:
        return {
          message: "Internal server error",
          ...(formatted.path ? { path: formatted.path } : {}),
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        };
    }
  };
