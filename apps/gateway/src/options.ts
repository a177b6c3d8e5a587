import { readFileSync } from "node:fs";
import type { KeyStore, RevocationList } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import type { Logger } from "@taruvi/logging";
import type { AppMetrics } from "@taruvi/metrics";
import type { RedisClient as Redis } from "@taruvi/redis";
import { SERVICES } from "@taruvi/registry";
import type { TenantChangeBus } from "@taruvi/tenancy";
import { DEFAULT_CONSOLE_DIR } from "./console";
import type { GatewayEnv } from "./env";
import { trustedProxies } from "./http";
import type { GatewayOptions } from "./server";

export const SUPERGRAPH_PATH = new URL("../../../supergraph/supergraph.graphql", import.meta.url);

/** Gateway options from its environment plus the process's shared resources. */
export const optionsFromEnv = (
  env: GatewayEnv,
  deps: {
    pool: Pool;
    redis: Redis | null;
    bus: TenantChangeBus;
    keyStore: KeyStore;
    revocations: RevocationList;
    logger: Logger;
    metrics: AppMetrics;
  },
): GatewayOptions => {
  const production = env.NODE_ENV === "production";
  return {
    ...deps,
    supergraphSdl: readFileSync(SUPERGRAPH_PATH, "utf8"),
    subgraphUrls: Object.fromEntries(
      SERVICES.map((service) => [
        service.name,
        (env as Record<string, unknown>)[service.urlVariable] as string,
      ]),
    ),
    internalContextSecret: env.INTERNAL_CONTEXT_SECRET,
    consoleDir: env.CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR,
    consoleConnectSrc: consoleConnectSources(env),
    tokenIssuer: env.TOKEN_ISSUER,
    baseDomain: env.BASE_DOMAIN,
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    limits: {
      maxDepth: env.MAX_DEPTH,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_TOKENS,
      maxCost: env.MAX_COST,
      maxDirectives: env.MAX_DIRECTIVES,
      hideSuggestions: production,
    },
    rateLimits: {
      anonymousPerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      principalPerMinute: env.RATE_LIMIT_PRINCIPAL_PER_MINUTE,
      tenantPerMinute: env.RATE_LIMIT_TENANT_PER_MINUTE,
      addressPerMinute: env.RATE_LIMIT_ADDRESS_PER_MINUTE,
      rejectedPerMinute: env.RATE_LIMIT_REJECTED_PER_MINUTE,
      burst: env.RATE_LIMIT_BURST,
    },
    tenantCacheTtlSeconds: env.TENANT_CACHE_TTL_SECONDS,
    production,
    sandbox: env.SANDBOX === undefined ? !production : env.SANDBOX === "true",
    sandboxTenant: env.SANDBOX_TENANT,
    trustProxy: trustedProxies(env.TRUST_PROXY),
    trustTraceparent: env.TRUST_TRACEPARENT,
    apolloTelemetry: !env.APOLLO_TELEMETRY_DISABLED,
  };
};

/** An http(s) URL's origin; anything else is a configuration error naming the variable. */
const originOf = (variable: string, value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${variable}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`${variable}: ${JSON.stringify(value)} is not an http(s) URL`);
  }
  return url.origin;
};

/**
 * The origins the console's CSP lets it connect to besides its own: where the files service's
 * presigned upload URLs point. Origins only (no paths, no wildcards from configuration).
 */
export const consoleConnectSources = (env: GatewayEnv): string[] => {
  if (env.CONSOLE_CONNECT_SRC !== undefined) {
    return [
      ...new Set(
        env.CONSOLE_CONNECT_SRC.split(",")
          .map((entry) => entry.trim())
          .filter(Boolean)
          .map((entry) => originOf("CONSOLE_CONNECT_SRC", entry)),
      ),
    ];
  }
  if (env.FILES_PUBLIC_URL) return [originOf("FILES_PUBLIC_URL", env.FILES_PUBLIC_URL)];
  if (env.FILES_S3_ENDPOINT) return [originOf("FILES_S3_ENDPOINT", env.FILES_S3_ENDPOINT)];
  return env.NODE_ENV !== "production" && env.SUBGRAPH_FILES_URL !== undefined
    ? [originOf("SUBGRAPH_FILES_URL", env.SUBGRAPH_FILES_URL)]
    : [];
};
