import type { ErrorCode } from "./codes";

export type AppErrorOptions = {
  /** Safe to show to the caller. Defaults to the internal message for user-facing codes. */
  userMessage?: string;
  /** The input field at fault, for BAD_USER_INPUT and CONFLICT. */
  field?: string;
  /** RATE_LIMITED and SERVICE_UNAVAILABLE: when to try again (the gateway sends Retry-After). */
  retryAfterSeconds?: number;
  cause?: unknown;
};

/**
 * The one domain error. `message` is for logs; `userMessage` is what a client may see.
 * INTERNAL_SERVER_ERROR never exposes its message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.userMessage =
      options.userMessage ?? (code === "INTERNAL_SERVER_ERROR" ? "Internal server error" : message);
  }

  /** The GraphQL `extensions` a formatter exposes. */
  get extensions(): { code: ErrorCode; field?: string; retryAfter?: number } {
    return {
      code: this.code,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfter: this.retryAfterSeconds }),
    };
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** BAD_USER_INPUT naming the field and why: `slug: must be lower-case ...`. */
export const badUserInput = (field: string, why: string): AppError =>
  new AppError("BAD_USER_INPUT", `${field}: ${why}`, { field });

export const conflict = (field: string, why: string): AppError =>
  new AppError("CONFLICT", `${field}: ${why}`, { field });

export const notFound = (entity: string): AppError => new AppError("NOT_FOUND", `${entity} not found`);
