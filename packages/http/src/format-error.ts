import { unwrapResolverError } from "@apollo/server/errors";
import { ERROR_CODES, isAppError } from "@taruvi/errors";
import type { Logger } from "@taruvi/logging";
import type { GraphQLFormattedError } from "graphql";

const PUBLIC_CODES = new Set<string>([
  ...ERROR_CODES,
  // Apollo Server's own request errors are safe to show.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
  // The gateway's own: a subgraph that cannot be reached, operation limits.
  "SERVICE_UNAVAILABLE",
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
 * Known codes pass through with their safe message; anything else becomes a masked
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
