import { ERROR_CODES as CONTRACT_ERROR_CODES } from "@taruvi/errors";

/**
 * The `extensions.code` values a Taruvi gateway answers with: the public contract's codes, the
 * gateway's and GraphQL server's own request errors, and NETWORK_ERROR (no answer at all,
 * made by this client).
 */
export const ERROR_CODES = [
  // The public contract (ARCHITECTURE.md), from the one list the servers use.
  ...CONTRACT_ERROR_CODES,
  // The gateway: request limits, HTTP-level refusals.
  "PAYLOAD_TOO_LARGE",
  "METHOD_NOT_ALLOWED",
  // The GraphQL server: a document that does not parse or validate.
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "OPERATION_RESOLUTION_FAILURE",
  // This client: the request got no HTTP answer.
  "NETWORK_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN = new Set<string>(ERROR_CODES);

/** A GraphQL error as it travels in a response. */
export type GraphQLResponseError = {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: { code?: string; field?: string; [key: string]: unknown };
};

/** The code of an error; an unknown one reads as INTERNAL_SERVER_ERROR (the raw one is in `errors`). */
export const errorCodeOf = (code: unknown): ErrorCode =>
  typeof code === "string" && KNOWN.has(code) ? (code as ErrorCode) : "INTERNAL_SERVER_ERROR";

/** The code a bare HTTP status means, for answers without a GraphQL error body. */
export const errorCodeOfStatus = (status: number): ErrorCode => {
  const byStatus: Record<number, ErrorCode> = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    502: "SERVICE_UNAVAILABLE",
    503: "SERVICE_UNAVAILABLE",
    504: "SERVICE_UNAVAILABLE",
  };
  return byStatus[status] ?? "INTERNAL_SERVER_ERROR";
};

export type TaruviErrorInit<TData> = {
  message: string;
  code: ErrorCode;
  /** The input field at fault (`extensions.field`), for BAD_USER_INPUT and CONFLICT. */
  field?: string | undefined;
  /** The gateway's `x-request-id`: quote it when reporting a problem. */
  requestId?: string | undefined;
  /** The HTTP status (0 when there was no answer). */
  status: number;
  errors?: readonly GraphQLResponseError[];
  data?: TData | null;
  cause?: unknown;
};

/**
 * A request that failed: the first error's code and field, every error as sent, the request
 * id, the HTTP status, and whatever data did resolve (partial results).
 */
export class TaruviError<TData = unknown> extends Error {
  override readonly name = "TaruviError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  readonly status: number;
  readonly errors: readonly GraphQLResponseError[];
  /** The data that resolved despite the errors; null when none did. */
  readonly data: TData | null;

  constructor(init: TaruviErrorInit<TData>) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.field = init.field;
    this.requestId = init.requestId;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.data = init.data ?? null;
  }
}

/** Whether `error` is a TaruviError (with `code`, when given). */
export const isTaruviError = (error: unknown, code?: ErrorCode): error is TaruviError =>
  error instanceof TaruviError && (code === undefined || error.code === code);
