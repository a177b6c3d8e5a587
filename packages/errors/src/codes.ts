/** The error codes of the public contract (ARCHITECTURE.md), carried in `extensions.code`. */
export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "CONFLICT",
  "RATE_LIMITED",
  "TENANT_NOT_FOUND",
  "TENANT_SUSPENDED",
  "INTERNAL_SERVER_ERROR",
  /** A malformed request, e.g. a persisted query whose hash does not match its text. */
  "BAD_REQUEST",
  /** A dependency is down; the response carries Retry-After. */
  "SERVICE_UNAVAILABLE",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  TENANT_NOT_FOUND: 404,
  TENANT_SUSPENDED: 403,
  INTERNAL_SERVER_ERROR: 500,
  BAD_REQUEST: 400,
  SERVICE_UNAVAILABLE: 503,
};

/** The HTTP status a transport answers with when this code ends a whole request. */
export const httpStatusOf = (code: ErrorCode): number => HTTP_STATUS[code];
