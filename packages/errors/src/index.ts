export type { AppErrorOptions } from "./app-error";
export { AppError, badUserInput, conflict, isAppError, notFound } from "./app-error";
export type { ErrorCode } from "./codes";
export { ERROR_CODES, httpStatusOf } from "./codes";
export { isDependencyUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from "./unavailable";
