import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AppError, httpStatusOf, UNAVAILABLE_RETRY_AFTER_SECONDS } from "@taruvi/errors";
import { sendError } from "@taruvi/http";
import proxyaddr from "proxy-addr";

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Runs a connect-style middleware (helmet, cors); resolves false when it ended the response. */
export const run = (middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
  new Promise((resolve, reject) => {
    middleware(req, res, (error) => (error ? reject(error) : resolve(true)));
    if (res.writableEnded) resolve(false);
  });

/** An AppError as its HTTP status; SERVICE_UNAVAILABLE and RATE_LIMITED carry Retry-After. */
export const sendAppError = (res: ServerResponse, error: AppError) => {
  const retryAfter =
    error.retryAfterSeconds ??
    (error.code === "SERVICE_UNAVAILABLE" ? UNAVAILABLE_RETRY_AFTER_SECONDS : undefined);
  if (retryAfter !== undefined) res.setHeader("retry-after", Math.max(1, Math.ceil(retryAfter)));
  sendError(res, httpStatusOf(error.code), error.code, error.userMessage);
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a sane incoming x-request-id, else makes one. */
export const requestIdOf = (req: IncomingMessage): string => {
  const header = req.headers["x-request-id"];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
};

/** Which proxy hops may be believed about the client's address (proxy-addr's trust function). */
export type TrustedProxies = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY: `false` (default: the socket's peer is the client), a number of proxy hops in
 * front of the gateway (`true` is one), or a comma-separated list of proxy addresses and CIDRs
 * (also proxy-addr's names `loopback`, `linklocal`, `uniquelocal`). Only those proxies' word is
 * taken: the client's address is the one the outermost trusted proxy saw, so a client cannot
 * pick its own address by sending X-Forwarded-For.
 */
export const trustedProxies = (setting: string): TrustedProxies => {
  const value = setting.trim().toLowerCase();
  if (value === "" || value === "false" || value === "0") return () => false;
  if (value === "true") return (_, hop) => hop < 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_, hop) => hop < hops;
  }
  return proxyaddr.compile(
    value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
  );
};

/** The client's address: the socket's peer, or what the trusted proxies in front of it saw. */
export const clientIp = (req: IncomingMessage, trust: TrustedProxies): string =>
  proxyaddr(req, trust) || req.socket.remoteAddress || "unknown";
