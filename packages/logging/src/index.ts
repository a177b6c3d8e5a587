import { traceFields } from "@taruvi/telemetry";
import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "adminPassword",
  "*.adminPassword",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "refreshToken",
  "*.refreshToken",
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
];

export type CreateLoggerOptions = {
  name: string;
  level?: string;
  /** Human-readable output; development only. JSON otherwise. */
  pretty?: boolean;
  /** Where lines go; defaults to stdout. Tests pass a stream to read them. */
  destination?: NodeJS.WritableStream;
};

export const createLogger = ({
  name,
  level = "info",
  pretty = false,
  destination,
}: CreateLoggerOptions): Logger => {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { service: name },
    // trace_id/span_id of the active span: a log line joins its trace. Without tracing there is
    // no active span, and this is one function call returning {}.
    mixin: traceFields,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty && !destination) {
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss" } },
    });
  }
  return destination ? pino(options, destination) : pino(options);
};

export type RequestLogFields = {
  requestId: string;
  tenant?: string | null;
  actor?: string | null;
  operation?: string | null;
};

/** One child logger per request, carrying ids only (never payloads). */
export const requestLogger = (base: Logger, fields: RequestLogFields): Logger =>
  base.child(
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)),
  );
