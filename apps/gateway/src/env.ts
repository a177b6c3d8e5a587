import {
  bool,
  deployableEnvShape,
  int,
  loadDeployableEnv,
  optionalString,
  productionBaseProblems,
  string,
} from "@taruvi/config";
import { SERVICES, type ServiceEntry } from "@taruvi/registry";

const subgraphUrl = (service: ServiceEntry) => string(`http://127.0.0.1:${service.port}/graphql`);

const subgraphUrlShape = Object.fromEntries(
  SERVICES.map((service) => [service.urlVariable, subgraphUrl(service)]),
) as Record<`SUBGRAPH_${string}_URL`, ReturnType<typeof string>>;

/** The files service, when registered: a product service of the platform, so a deployment may leave it out. */
const filesService = SERVICES.find((service) => service.name === "files");

/**
 * The only place the gateway reads process.env: the variables every deployable reads (PORT 4000,
 * DATABASE_URL, REDIS_URL for rate limits and caches shared by every gateway, …) and its own.
 */
export const gatewayEnvShape = {
  ...deployableEnvShape({ port: 4000, poolSize: 5 }),
  /** Ed25519 private keys (JSON JWKs or PEM); development generates one under DATA_DIR. */
  SIGNING_KEYS: optionalString(),
  TOKEN_ISSUER: string("taruvi"),
  BASE_DOMAIN: string("localhost"),
  /** Comma-separated origins allowed by CORS. */
  CORS_ORIGINS: string("http://localhost:5173,http://localhost:4000"),
  BODY_LIMIT_BYTES: int(102_400, { min: 1_024 }),
  MAX_DEPTH: int(12, { min: 1 }),
  MAX_ALIASES: int(15, { min: 0 }),
  MAX_TOKENS: int(2_000, { min: 10 }),
  MAX_COST: int(5_000, { min: 10 }),
  MAX_DIRECTIVES: int(50, { min: 0 }),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(120, { min: 1 }),
  RATE_LIMIT_PRINCIPAL_PER_MINUTE: int(600, { min: 1 }),
  RATE_LIMIT_TENANT_PER_MINUTE: int(6_000, { min: 1 }),
  /** Extra requests allowed in a burst above each per-minute rate. */
  RATE_LIMIT_BURST: int(30, { min: 0 }),
  TENANT_CACHE_TTL_SECONDS: int(60, { min: 1 }),
  /** SUBGRAPH_<NAME>_URL for every registered service; default http://127.0.0.1:<its port>/graphql. */
  ...subgraphUrlShape,
  /**
   * The files service's entry of the above, by name: outside production the console's CSP
   * connect-src falls back to its origin (CONSOLE_CONNECT_SRC). Unset when files is not registered.
   */
  SUBGRAPH_FILES_URL: filesService ? subgraphUrl(filesService) : optionalString(),
  /** Apollo Sandbox at /graphql and introspection; default: on outside production. */
  SANDBOX: optionalString(),
  /** The site slug the Sandbox's X-Tenant header starts with (the demo site `npm start` seeds). */
  SANDBOX_TENANT: string("acme"),
  /**
   * Proxies whose X-Forwarded-For is believed: `false`, a hop count (`true` = 1) or a list of
   * addresses/CIDRs (apps/gateway/src/http.ts). Anything else sees the socket's peer.
   */
  TRUST_PROXY: string("false"),
  /**
   * Continue a client's W3C `traceparent` (a trusted proxy or client that traces too). Off: every
   * request starts a new trace, so a client cannot pick trace ids or force sampling.
   */
  TRUST_TRACEPARENT: bool(false),
  /** Requests per minute from one client address, counted before any lookup. */
  RATE_LIMIT_ADDRESS_PER_MINUTE: int(1_200, { min: 1 }),
  /** Refused requests (unknown site, bad credentials) per minute from one address; then 429. */
  RATE_LIMIT_REJECTED_PER_MINUTE: int(30, { min: 1 }),
  /**
   * Apollo Gateway reports usage to Apollo and probes cloud metadata endpoints unless this is
   * set. A self-hosted platform does not call home: on unless explicitly turned off.
   */
  APOLLO_TELEMETRY_DISABLED: bool(true),
  /** The console's static build served at /console; default apps/console/dist of this checkout or release. */
  CONSOLE_DIR: optionalString(),
  /**
   * Comma-separated origins the console may connect to besides its own (its CSP's connect-src):
   * where file uploads go. Unset: the origin of FILES_PUBLIC_URL, else FILES_S3_ENDPOINT, else
   * (outside production) the files service's own (SUBGRAPH_FILES_URL: its local store).
   */
  CONSOLE_CONNECT_SRC: optionalString(),
  /** The files service's variables of the same name: where its presigned upload URLs point. */
  FILES_PUBLIC_URL: optionalString(),
  FILES_S3_ENDPOINT: optionalString(),
};

export type GatewayEnv = ReturnType<typeof loadGatewayEnv>;

export const loadGatewayEnv = (source: Record<string, string | undefined> = process.env) =>
  loadDeployableEnv(gatewayEnvShape, source, (env) => [
    ...productionBaseProblems(env),
    ...(env.NODE_ENV === "production" && !env.SIGNING_KEYS
      ? ["SIGNING_KEYS: must be set in production"]
      : []),
  ]);
