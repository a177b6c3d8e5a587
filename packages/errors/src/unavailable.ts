/** Seconds a client is told to wait (Retry-After) when a dependency is down. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Socket failures reaching a server (node's error codes). */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/**
 * PostgreSQL's SQLSTATEs of a server that cannot serve now: connection exceptions (08…),
 * shutting down or starting (57P01–57P05), too many connections, a statement cancelled by
 * statement_timeout (57014: the database is too slow or stuck on a lock).
 */
const UNAVAILABLE_SQLSTATE = /^(08\d{3}|57P0[1-5]|53300|57014)$/;

/** Prisma's: cannot reach the server, timed out, connection closed, no pool connection in time. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

/** The driver adapter's kinds of the same (Prisma 7 with @prisma/adapter-pg). */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/** node-postgres's own messages for a pool or connection that gave up. */
const PG_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "Client has encountered a connection error",
];

type Shape = {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
};

/**
 * Whether `error` (or what it wraps, a few levels deep) says a dependency is down or not
 * answering in time, rather than that this request is wrong: such a failure is
 * SERVICE_UNAVAILABLE (503 with Retry-After), never INTERNAL_SERVER_ERROR. Judged by shape, so
 * pg, Prisma and its driver adapter need not be imported here.
 */
export const isDependencyUnavailable = (error: unknown, depth = 0): boolean => {
  if (depth > 5 || typeof error !== "object" || error === null) return false;
  const e = error as Shape;
  if (typeof e.code === "string") {
    if (SOCKET_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code) || PRISMA_CODES.has(e.code)) {
      return true;
    }
  }
  if (typeof e.originalCode === "string" && UNAVAILABLE_SQLSTATE.test(e.originalCode)) return true;
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && PG_MESSAGES.some((m) => (e.message as string).startsWith(m))) {
    return true;
  }
  if (e.meta?.driverAdapterError && isDependencyUnavailable(e.meta.driverAdapterError.cause, depth + 1)) {
    return true;
  }
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isDependencyUnavailable(inner, depth + 1))
  ) {
    return true;
  }
  return isDependencyUnavailable(e.cause, depth + 1);
};
