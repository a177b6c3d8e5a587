import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import cors from "cors";
import helmet from "helmet";
import { cspNonceOf } from "./console";
import type { Middleware } from "./http";

const SANDBOX_CDN = [
  "https://embeddable-sandbox.cdn.apollographql.com",
  "https://apollo-server-landing-page.cdn.apollographql.com",
];

/**
 * The headers a helmet policy without per-response parts sets, worked out once on a response
 * that is never sent; applying the list costs one `setHeader` per header instead of helmet's
 * chain of middlewares (and the CSP string built again) on every request.
 */
const precomputed = (policy: Middleware): Middleware => {
  const probe = new ServerResponse(new IncomingMessage(new Socket()));
  policy(probe.req, probe, (error) => {
    if (error) throw error;
  });
  const headers = Object.entries(probe.getHeaders()).map(([name, value]) => [name, value] as const);
  return (_req, res, next) => {
    for (const [name, value] of headers) if (value !== undefined) res.setHeader(name, value);
    next();
  };
};

/** Strict headers for API responses; the Sandbox page gets a CSP that lets it load; the console a strict one of its own. */
export const securityHeaders = ({
  production,
  consoleConnectSrc = [],
}: {
  production: boolean;
  /** Origins the console may also connect to: where file uploads go (CONSOLE_CONNECT_SRC). */
  consoleConnectSrc?: string[];
}) => {
  const common = {
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: "deny" as const },
    referrerPolicy: { policy: "no-referrer" as const },
    crossOriginEmbedderPolicy: false,
  };
  const api = precomputed(
    helmet({
      ...common,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] },
      },
    }) as unknown as Middleware,
  );
  const sandbox = precomputed(
    helmet({
      ...common,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          "default-src": ["'self'"],
          "script-src": ["'self'", "'unsafe-inline'", ...SANDBOX_CDN],
          "style-src": ["'self'", "'unsafe-inline'", "https://fonts.googleapis.com", ...SANDBOX_CDN],
          "font-src": ["'self'", "https://fonts.gstatic.com"],
          "img-src": ["'self'", "data:", ...SANDBOX_CDN],
          "frame-src": ["https://sandbox.embed.apollographql.com"],
          "connect-src": ["'self'", "https://*.apollographql.com"],
          "manifest-src": ["'self'", ...SANDBOX_CDN],
          "frame-ancestors": ["'none'"],
        },
      },
    }) as unknown as Middleware,
  );
  // The console: its own files only; no inline script or style, no framing, API calls same-origin,
  // file uploads to the store's origin only.
  const console = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        // Its stylesheet, and the <style> elements React Aria adds with this response's nonce.
        "style-src": ["'self'", (_req, res) => `'nonce-${cspNonceOf(res as ServerResponse)}'`],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", ...consoleConnectSrc],
        "manifest-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
      },
    },
  }) as unknown as Middleware;
  return { api, sandbox, console };
};

/** CORS for the listed origins only, with the headers clients send and read. */
export const corsPolicy = (origins: string[]): Middleware =>
  cors({
    origin: (origin, callback) => callback(null, !origin || origins.includes(origin)),
    credentials: true,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type", "authorization", "x-tenant", "x-request-id", "apollo-require-preflight"],
    exposedHeaders: [
      "x-request-id",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
      "retry-after",
    ],
    maxAge: 600,
  }) as unknown as Middleware;
