import cors from "cors";
import helmet from "helmet";
import type { Middleware } from "./http";

const SANDBOX_CDN = [
  "https://embeddable-sandbox.cdn.apollographql.com",
  "https://apollo-server-landing-page.cdn.apollographql.com",
];

/** Strict headers for API responses; the Sandbox page gets a CSP that lets it load. */
export const securityHeaders = ({ production }: { production: boolean }) => {
  const common = {
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: "deny" as const },
    referrerPolicy: { policy: "no-referrer" as const },
    crossOriginEmbedderPolicy: false,
  };
  const api = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { "default-src": ["'none'"], "frame-ancestors": ["'none'"] },
    },
  }) as unknown as Middleware;
  const sandbox = helmet({
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
  }) as unknown as Middleware;
  return { api, sandbox };
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
