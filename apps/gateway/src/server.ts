import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { internalContextKey, type KeyStore, type RevocationList } from "@taruvi/auth";
import type { Pool } from "@taruvi/db";
import { isAppError, isDependencyUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from "@taruvi/errors";
import {
  createFormatError,
  drainOf,
  executeGraphQL,
  HttpError,
  listen,
  readJsonBody,
  sendError,
  sendJson,
} from "@taruvi/http";
import { type Logger, requestLogger } from "@taruvi/logging";
import { type AppMetrics, timeRequest } from "@taruvi/metrics";
import type { RedisClient as Redis } from "@taruvi/redis";
import { annotateActiveSpan, requestAttributes, traceServerRequest } from "@taruvi/telemetry";
import type { TenantChangeBus } from "@taruvi/tenancy";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { createAuthenticator } from "./authenticate";
import { consoleHandler, isConsolePath } from "./console";
import type { GatewayContext } from "./context";
import { SignedContextDataSource } from "./data-source";
import { clientIp, requestIdOf, run, sendAppError, type TrustedProxies } from "./http";
import { type OperationLimits, operationLimits, tokenLimit } from "./limits";
import { GATEWAY_ROUTES, operationMetricsPlugin } from "./metrics";
import { createRateLimiter, type RateLimitOutcome, type RateLimits } from "./rate-limit";
import { SANDBOX_AUTHORIZATION_PLACEHOLDER, sandboxLandingPage } from "./sandbox";
import { corsPolicy, securityHeaders } from "./security";
import { createTenantResolver } from "./tenant";
import { textArgumentsPlugin } from "./text-input";

/**
 * graphql's CommonJS build, the copy Apollo Gateway builds its schema with: where `graphql`
 * resolves to its ES module build instead (vitest), that is another instance, whose printSchema
 * refuses the gateway's schema ("from another module or realm").
 */
const { printSchema } = createRequire(import.meta.url)("graphql") as typeof import("graphql");

/** The API schema's SDL as `npm run compose` writes it (supergraph/api-schema.graphql), once per schema. */
const sdlOf = new WeakMap<GraphQLSchema, string>();
const schemaSdl = (schema: GraphQLSchema): string => {
  let sdl = sdlOf.get(schema);
  if (sdl === undefined) {
    sdl = `${printSchema(schema).trim()}\n`;
    sdlOf.set(schema, sdl);
  }
  return sdl;
};

/** A registered service's name (services/registry.json). */
export type SubgraphName = string;

export type GatewayOptions = {
  supergraphSdl: string;
  /** Every subgraph of the supergraph by name (the registry's services). */
  subgraphUrls: Readonly<Record<SubgraphName, string>>;
  pool: Pool;
  redis: Redis | null;
  bus: TenantChangeBus;
  keyStore: KeyStore;
  /** Revoked session families and API keys (Redis pub/sub, or this process's memory). */
  revocations: RevocationList;
  logger: Logger;
  /** The gateway's instruments (served at /metrics on METRICS_PORT, not here). */
  metrics: AppMetrics;
  internalContextSecret: string;
  tokenIssuer: string;
  baseDomain: string;
  corsOrigins: string[];
  bodyLimitBytes: number;
  limits: OperationLimits;
  rateLimits: RateLimits;
  tenantCacheTtlSeconds: number;
  production: boolean;
  /** Apollo Sandbox at /graphql and introspection. */
  sandbox: boolean;
  /** The site slug the Sandbox's X-Tenant header starts with. */
  sandboxTenant: string;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy: TrustedProxies;
  /** Continue a client's `traceparent` (TRUST_TRACEPARENT); else each request is a new trace. */
  trustTraceparent?: boolean;
  /** Let Apollo Gateway send its usage data to Apollo (off unless APOLLO_TELEMETRY_DISABLED=false). */
  apolloTelemetry: boolean;
  /** The console's static build, served at /console (CONSOLE_DIR; apps/console/dist by default). */
  consoleDir: string;
  /** Origins the console may connect to besides its own (file uploads). */
  consoleConnectSrc?: string[];
};

export type Gateway = {
  server: Server;
  /** Whether /console has a build to serve. */
  consoleBuilt: () => boolean;
  listen: (port: number, host?: string) => Promise<string>;
  /** The stop announced: /readyz answers 503 "draining", every response closes its connection. */
  beginDrain: () => void;
  /** Stops accepting, answers the requests in flight, then stops Apollo and the tenant cache. */
  close: () => Promise<void>;
};

/**
 * The front door: request id, security headers, CORS, tenant resolution, bearer tokens, rate
 * limits, operation limits, then Apollo Gateway's query plan over keep-alive connections with a
 * signed internal context per subgraph fetch.
 */
export const buildGateway = async (options: GatewayOptions): Promise<Gateway> => {
  const { logger, metrics } = options;
  const key = internalContextKey(options.internalContextSecret);
  const tenants = createTenantResolver({
    pool: options.pool,
    baseDomain: options.baseDomain,
    ttlSeconds: options.tenantCacheTtlSeconds,
    bus: options.bus,
    onLookup: metrics.tenantLookup,
  });
  const authenticator = createAuthenticator({
    keyStore: options.keyStore,
    issuer: options.tokenIssuer,
    pool: options.pool,
    revocations: options.revocations,
    onFailure: metrics.authenticationFailure,
  });
  const rateLimiter = createRateLimiter({ redis: options.redis, limits: options.rateLimits });
  const headers = securityHeaders({
    production: options.production,
    consoleConnectSrc: options.consoleConnectSrc ?? [],
  });
  const cors = corsPolicy(options.corsOrigins);
  const armor = operationLimits(options.limits);
  const checkTokens = tokenLimit(options.limits.maxTokens);
  const consoleApp = consoleHandler(options.consoleDir);

  // Apollo Gateway reads this variable when it is constructed; it is its only switch.
  process.env.APOLLO_TELEMETRY_DISABLED = options.apolloTelemetry ? "false" : "true";
  const dataSources: SignedContextDataSource[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => {
      const url = options.subgraphUrls[name];
      if (!url)
        throw new Error(`the supergraph names subgraph ${name}, which has no URL (is it registered?)`);
      const dataSource = new SignedContextDataSource({
        name,
        url,
        key,
        onFetch: (outcome, seconds) => metrics.subgraphFetch(name, outcome, seconds),
      });
      dataSources.push(dataSource);
      return dataSource;
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    // Our process owns SIGINT/SIGTERM (drain, close pools, exit 0); Apollo's own handler would
    // stop the server under it and re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
    gateway,
    introspection: options.sandbox,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    validationRules: armor.validationRules,
    formatError: createFormatError(() => logger),
    plugins: [
      ...armor.plugins,
      operationMetricsPlugin<GatewayContext>(metrics),
      // U+0000 and lone surrogates in any argument: BAD_USER_INPUT before a subgraph is asked.
      textArgumentsPlugin<GatewayContext>(),
      {
        // Apollo Gateway would otherwise fail an unknown operationName as a server error.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, operationName, request }) {
              if (operationName) annotateActiveSpan({ "graphql.operation.name": operationName });
              if (!operation) {
                throw new GraphQLError(
                  request.operationName
                    ? `Unknown operation named "${request.operationName}"`
                    : "Several operations: say which one with operationName",
                  { extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } } },
                );
              }
            },
          };
        },
      },
      {
        // A subgraph that refuses the whole operation for a rate limit (sign-in attempts, reset
        // emails) answers like the gateway's own limits: HTTP 429 with Retry-After; one that
        // cannot serve any of it (its database down) answers 503 with Retry-After.
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              if (response.body.kind !== "single") return;
              const { errors, data } = response.body.singleResult;
              if (data && Object.values(data).some((value) => value !== null)) return;
              const limited = errors?.find((error) => error.extensions?.code === "RATE_LIMITED");
              const unavailable = errors?.find((error) => error.extensions?.code === "SERVICE_UNAVAILABLE");
              const refusal = limited ?? unavailable;
              if (!refusal) return;
              response.http.status = limited ? 429 : 503;
              if (limited) metrics.rateLimitRejection("subgraph");
              const retryAfter =
                Number(refusal.extensions?.retryAfter) || (limited ? 0 : UNAVAILABLE_RETRY_AFTER_SECONDS);
              if (retryAfter > 0) response.http.headers.set("retry-after", String(Math.ceil(retryAfter)));
            },
          };
        },
      },
      options.sandbox
        ? sandboxLandingPage({ tenant: options.sandboxTenant })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const readiness = async () => {
    const checks: Record<string, boolean> = {};
    const timed = <T>(promise: Promise<T>) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000)),
      ]);
    const probe = async (name: string, check: () => Promise<unknown>) => {
      checks[name] = await timed(check()).then(
        () => true,
        () => false,
      );
    };
    await Promise.all([
      probe("postgres", () => options.pool.query("SELECT 1")),
      ...(options.redis ? [probe("redis", () => (options.redis as Redis).ping())] : []),
      ...Object.entries(options.subgraphUrls).map(([name, url]) =>
        probe(name, async () => {
          const res = await fetch(url.replace(/\/graphql$/, "/healthz"));
          if (!res.ok) throw new Error(String(res.status));
        }),
      ),
    ]);
    // Without Redis the gateway still serves (rate limits per process, revocations and tenant
    // cache from memory): degraded, not unready.
    const failed = Object.keys(checks).filter((name) => !checks[name]);
    const ready = failed.every((name) => name === "redis");
    return { ready, degraded: ready && failed.length > 0, checks };
  };

  const refuse = (res: ServerResponse, limit: RateLimitOutcome) => {
    metrics.rateLimitRejection(limit.reason);
    res.setHeader("retry-after", limit.resetSeconds);
    sendError(res, 429, "RATE_LIMITED", `Too many requests; retry in ${limit.resetSeconds} s`);
  };

  const graphql = async (req: IncomingMessage, res: ServerResponse, requestId: string, url: URL) => {
    // Per address first: a flood (or an address that keeps being refused) costs no lookup.
    const ip = clientIp(req, options.trustProxy);
    const early = await rateLimiter.admit(ip);
    if (!early.allowed) return refuse(res, early);
    let tenant: Awaited<ReturnType<typeof tenants.resolve>>;
    let actor: Awaited<ReturnType<typeof authenticator.authenticate>>;
    try {
      tenant = await tenants.resolve(req);
      const authorization = req.headers.authorization;
      actor = await authenticator.authenticate(
        options.sandbox && authorization === SANDBOX_AUTHORIZATION_PLACEHOLDER ? undefined : authorization,
        tenant,
      );
    } catch (error) {
      // An unknown site or a bad credential counts against the address; past its allowance the
      // address gets 429 instead, before any lookup.
      if (isAppError(error) && (error.code === "UNAUTHENTICATED" || error.code === "TENANT_NOT_FOUND")) {
        const penalty = await rateLimiter.reject(ip);
        if (!penalty.allowed) return refuse(res, penalty);
      }
      throw error;
    }
    const limit = await rateLimiter.consume({
      ip,
      principal: actor ? `${actor.type}:${actor.id}` : null,
      tenant: tenant?.siteId ?? null,
    });
    res.setHeader("ratelimit-limit", limit.limit);
    res.setHeader("ratelimit-remaining", limit.remaining);
    res.setHeader("ratelimit-reset", limit.resetSeconds);
    if (!limit.allowed) return refuse(res, limit);

    const body = await readJsonBody(req, options.bodyLimitBytes);
    const query =
      req.method === "POST"
        ? (body as { query?: unknown } | undefined)?.query
        : url.searchParams.get("query");
    if (typeof query === "string") checkTokens(query);
    annotateActiveSpan(requestAttributes(tenant, actor));
    const userAgent = req.headers["user-agent"];
    const context: GatewayContext = {
      requestId,
      tenant,
      actor,
      client: { ip, userAgent: userAgent ? userAgent.slice(0, 512) : null },
      logger: requestLogger(logger, {
        requestId,
        tenant: tenant?.slug ?? null,
        actor: actor ? `${actor.type}:${actor.id}` : null,
      }),
    };
    await executeGraphQL(apollo, req, res, { url, body, context });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req);
    res.setHeader("x-request-id", requestId);
    const url = new URL(req.url ?? "/", "http://gateway");
    const wantsPage = req.method === "GET" && (req.headers.accept ?? "").includes("text/html");
    const consolePage = isConsolePath(url.pathname);
    const policy = consolePage
      ? headers.console
      : wantsPage && options.sandbox
        ? headers.sandbox
        : headers.api;
    if (!(await run(policy, req, res))) return;
    if (!(await run(cors, req, res))) return;

    try {
      switch (url.pathname) {
        case "/healthz":
          sendJson(res, 200, { status: "ok" });
          return;
        case "/readyz": {
          if (drain.draining) {
            sendJson(res, 503, { status: "draining" });
            return;
          }
          const { ready, degraded, checks } = await readiness();
          const status = degraded ? "degraded" : ready ? "ready" : "not ready";
          sendJson(res, ready ? 200 : 503, { status, checks });
          return;
        }
        case "/.well-known/jwks.json":
          res.setHeader("cache-control", "public, max-age=300");
          sendJson(res, 200, options.keyStore.jwks());
          return;
        case "/schema.graphql":
          // The public API schema as SDL, for codegen against a running gateway; only where
          // introspection is on (the Sandbox: outside production by default), else no such route.
          if (options.sandbox && gateway.schema) {
            if (req.method !== "GET" && req.method !== "HEAD") {
              res.setHeader("allow", "GET, HEAD");
              sendError(res, 405, "METHOD_NOT_ALLOWED", "use GET");
              return;
            }
            res.writeHead(200, {
              "content-type": "application/graphql; charset=utf-8",
              "cache-control": "no-cache",
            });
            res.end(req.method === "HEAD" ? undefined : schemaSdl(gateway.schema));
            return;
          }
          sendError(res, 404, "NOT_FOUND", "no such route; GraphQL is at /graphql");
          return;
        case "/graphql":
          if (req.method !== "GET" && req.method !== "POST") {
            res.setHeader("allow", "GET, POST");
            sendError(res, 405, "METHOD_NOT_ALLOWED", "use GET or POST");
            return;
          }
          await graphql(req, res, requestId, url);
          return;
        default:
          if (consolePage) {
            await consoleApp.serve(req, res, url.pathname);
            return;
          }
          sendError(res, 404, "NOT_FOUND", "no such route; GraphQL is at /graphql");
      }
    } catch (error) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error.status, error.code, error.message);
        return;
      }
      if (isAppError(error) && error.code !== "INTERNAL_SERVER_ERROR") {
        sendAppError(res, error);
        return;
      }
      if (isDependencyUnavailable(error)) {
        // The database did not answer (down, or a statement timed out): retry, not a bug.
        logger.warn({ err: error, requestId }, "request failed: a dependency is unavailable");
        res.setHeader("retry-after", UNAVAILABLE_RETRY_AFTER_SECONDS);
        sendError(
          res,
          503,
          "SERVICE_UNAVAILABLE",
          "A service this request needs is unavailable; retry shortly",
        );
        return;
      }
      logger.error({ err: error, requestId }, "request failed");
      sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
    }
  };

  const continueTrace = options.trustTraceparent ?? false;
  const server = createServer((req, res) => {
    timeRequest(metrics, GATEWAY_ROUTES, req, res);
    const route = req.url?.startsWith("/graphql") ? "/graphql" : undefined;
    traceServerRequest(req, res, { app: "gateway", continueTrace, route }, () => void handle(req, res));
  });
  server.keepAliveTimeout = 65_000;
  const drain = drainOf(server);

  if (!consoleApp.built()) {
    logger.warn(
      { consoleDir: options.consoleDir },
      "the console is not built: /console answers 404 until `npm run build`",
    );
  }

  return {
    server,
    consoleBuilt: consoleApp.built,
    listen: async (port, host) => {
      return listen(server, port, host);
    },
    beginDrain: drain.begin,
    close: async () => {
      await drain.close();
      tenants.close();
      await apollo.stop();
      await Promise.all(dataSources.map((dataSource) => dataSource.close()));
    },
  };
};
