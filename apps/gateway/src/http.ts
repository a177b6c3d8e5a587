import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AppError, httpStatusOf } from "@taruvi/errors";
import { sendError } from "@taruvi/http";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Runs a connect-style middleware (helmet, cors); resolves false when it ended the response. */
export const run = (middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
  new Promise((resolve, reject) => {
    middleware(req, res, (error) => (error ? reject(error) : resolve(true)));
    if (res.writableEnded) resolve(false);
  });

export const sendAppError = (res: ServerResponse, error: AppError) =>
  sendError(res, httpStatusOf(error.code), error.code, error.userMessage);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a sane incoming x-request-id, else makes one. */
export const requestIdOf = (req: IncomingMessage): string => {
  const header = req.headers["x-request-id"];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
};

export const clientIp = (req: IncomingMessage, trustProxy: boolean): string => {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? "unknown";
};
