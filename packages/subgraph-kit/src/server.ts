import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { INTERNAL_CONTEXT_HEADER, type InternalContextKey, verifyInternalContext } from "@taruvi/auth";
import type { PlatformClient, Pool, TenantClient } from "@taruvi/db";
import { AppError, isAppError } from "@taruvi/errors";
import {
  createFormatError,
  drainOf,
  executeGraphQL,
  HttpError,
  listen,
  parseJsonBody,
  readBody,
  reportError,
  sendError,
  sendJson,
} from "@taruvi/http";
import { type Logger, requestLogger } from "@taruvi/logging";
import { type AppMetrics, timeRequest } from "@taruvi/metrics";
import { inSpan, requestAttributes, traceServerRequest } from "@taruvi/telemetry";
import type { DisconnectableClient, TenantClientCache } from "@taruvi/tenancy";
import type { DocumentNode } from "graphql";
import { createAccessResolver } from "./access";
import { type RequestContext, requireSite } from "./context";
import { loadSitePlan } from "./plans";
import { createScopedSql } from "./scoped-sql";
import { applyShield, type SubgraphRules } from "./shield";

export type SubgraphDeps<Db = TenantClient> = {
  /**
   * The process's one pool, under every client; for the few hot queries that skip Prisma (a
   * request reaches it only through `ctx.sql`, bound to its schema).
   */
  pool: Pool;
  platform: PlatformClient;
  tenants: TenantClientCache<Db & DisconnectableClient>;
  /** HMAC key of the gateway's internal context. */
  contextKey: InternalContextKey;
  logger: Logger;
  /** Checked by /healthz; e.g. a `SELECT 1`. */
  healthCheck?: () => Promise<void>;
};

/** The paths every subgraph serves, as the request-duration metric names them. */
const SUBGRAPH_ROUTES: ReadonlySet<string> = new Set(["/graphql", "/", "/healthz", "/readyz"]);

/** A service's own HTTP routes: answers a request it serves and resolves true, else false. */
export type HttpRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export type SubgraphOptions<Loaders, Services = undefined, Db = TenantClient> = {
  name: string;
  typeDefs: DocumentNode;
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed per subgraph
  resolvers: GraphQLResolverMap<any>;
  /**
   * graphql-shield rules, deny by default: every Query and Mutation field needs a rule; a rule
   * function on an entity type guards its resolution through `_entities` (see ./shield.ts).
   */
  rules?: SubgraphRules;
  /** DataLoaders, built once per request. */
  createLoaders: (ctx: Omit<RequestContext<Loaders, Services, Db>, "loaders">) => Loaders;
  /** Put on every request's context as `services`. */
  services?: Services;
  deps: SubgraphDeps<Db>;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Served before /graphql, without the gateway's context: they authenticate requests themselves. */
  routes?: HttpRoutes;
  /** The service's instruments: each request's duration (its own routes count as `other`). */
  metrics?: AppMetrics;
};

export type Subgraph = {
  server: Server;
  listen: (port: number, host?: string) => Promise<string>;
  /** The stop announced: /readyz answers 503 "draining", every response closes its connection. */
  beginDrain: () => void;
  /** Stops accepting, answers the requests in flight, then stops Apollo. */
  close: () => Promise<void>;
};

const memoize = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load();
    return value;
  };
};

/** The platform scope's `db`: any use is a clear error, not a query against some schema. */
const NO_SITE_DB = new Proxy(
  {},
  {
    get: () => {
      throw new AppError("BAD_USER_INPUT", "this operation needs a site: send X-Tenant or use its host");
    },
  },
);

/**
 * An Apollo subgraph on node:http: verifies the gateway's signed context before anything runs
 * (HTTP 401 otherwise), builds one typed RequestContext per request, masks unknown errors,
 * serves /healthz and /readyz, and drains before it closes.
 */
export const createSubgraph = async <Loaders, Services = undefined, Db = TenantClient>(
  options: SubgraphOptions<Loaders, Services, Db>,
): Promise<Subgraph> => {
  const { name, deps, bodyLimit = 1_000_000 } = options;
  const subgraphSchema = buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  const schema = options.rules ? applyShield(subgraphSchema, options.rules) : subgraphSchema;
  const apollo = new ApolloServer<RequestContext<Loaders, Services, Db>>({
    // Our process owns SIGINT/SIGTERM (drain, close pools, exit 0); Apollo's own handler would
    // stop the server under it and re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
    schema,
    includeStacktraceInErrorResponses: false,
    // Errors are logged where the request is known (below), with its logger: formatError has
    // no context, and finding the request's logger through AsyncLocalStorage would put a
    // promise hook on every promise of the process (Node 20).
    formatError: createFormatError(null),
    plugins: [
      // Inline tracing is off: the gateway does not ask for it and it costs per field.
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart({ contextValue }) {
          return {
            async didEncounterErrors({ errors }) {
              for (const error of errors) reportError(contextValue.logger, error);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://subgraph");
    // /healthz: alive and its database answers (liveness, and the gateway's /readyz). /readyz
    // (the load balancer's probe) also turns 503 the moment a stop is announced, while the
    // process still answers: a draining replica leaves the Service, not every gateway's readiness.
    if (url.pathname === "/healthz" || url.pathname === "/readyz") {
      if (url.pathname === "/readyz" && drain.draining) {
        sendJson(res, 503, { status: "draining", service: name });
        return;
      }
      try {
        await deps.healthCheck?.();
        sendJson(res, 200, { status: "ok", service: name });
      } catch {
        sendJson(res, 503, { status: "unavailable", service: name });
      }
      return;
    }
    if (url.pathname !== "/graphql" && url.pathname !== "/" && (await options.routes?.(req, res))) return;
    if (url.pathname !== "/graphql" && url.pathname !== "/") {
      sendError(res, 404, "NOT_FOUND", "no such route");
      return;
    }
    const header = req.headers[INTERNAL_CONTEXT_HEADER];
    // The context is signed for the exact body (a GET: its query string), read before parsing.
    const text = req.method === "POST" ? await readBody(req, bodyLimit) : url.search;
    let internal: Awaited<ReturnType<typeof verifyInternalContext>>;
    try {
      internal = await verifyInternalContext(deps.contextKey, Array.isArray(header) ? header[0] : header, {
        audience: name,
        body: text,
      });
    } catch (error) {
      deps.logger.warn({ reason: (error as Error).message, path: url.pathname }, "request refused");
      if (isAppError(error) && error.code === "SERVICE_UNAVAILABLE") {
        res.setHeader("retry-after", String(error.retryAfterSeconds ?? 1));
        sendError(res, 503, error.code, error.userMessage);
        return;
      }
      sendError(res, 401, "UNAUTHENTICATED", isAppError(error) ? error.userMessage : "unauthenticated");
      return;
    }

    const logger = requestLogger(deps.logger, {
      requestId: internal.requestId,
      tenant: internal.tenant?.slug ?? null,
      actor: internal.actor ? `${internal.actor.type}:${internal.actor.id}` : null,
    });
    const body = req.method === "POST" ? parseJsonBody(text) : undefined;

    const context: RequestContext<Loaders, Services, Db> = {
      requestId: internal.requestId,
      logger,
      tenant: internal.tenant,
      actor: internal.actor,
      client: internal.client,
      platform: deps.platform,
      // Apollo Server copies the context object, so `db` is a plain value, not a getter.
      db: internal.tenant ? deps.tenants.forSchema(internal.tenant.schema) : (NO_SITE_DB as Db),
      sql: createScopedSql(deps.pool, internal.tenant),
      loaders: undefined as Loaders,
      access: undefined as unknown as RequestContext["access"],
      services: options.services as Services,
      sitePlan: memoize(() => loadSitePlan(deps.pool, requireSite(internal).siteId)),
    };
    context.access = createAccessResolver(context, deps.pool);
    context.loaders = options.createLoaders(context);

    // One span per operation (under the HTTP server span, over its SQL), named for the gateway's
    // operation and attributed to the site and principal.
    const operation = (body as { operationName?: unknown } | undefined)?.operationName;
    await inSpan(
      `graphql.operation ${name}`,
      {
        ...(typeof operation === "string" ? { "graphql.operation.name": operation } : {}),
        ...requestAttributes(internal.tenant, internal.actor),
      },
      () => executeGraphQL(apollo, req, res, { url, body, context }),
    );
  };

  const server = createServer((req, res) => {
    if (options.metrics) timeRequest(options.metrics, SUBGRAPH_ROUTES, req, res);
    // The gateway's fetches (signed) continue its trace; anything else (a file route a browser
    // calls with a presigned URL) starts its own.
    const continueTrace = req.headers[INTERNAL_CONTEXT_HEADER] !== undefined;
    const route = req.url?.startsWith("/graphql") ? "/graphql" : undefined;
    traceServerRequest(req, res, { app: name, continueTrace, route }, () => {
      handle(req, res).catch((error: unknown) => {
        if (res.headersSent) {
          res.end();
        } else if (error instanceof HttpError) {
          sendError(res, error.status, error.code, error.message);
        } else {
          deps.logger.error({ err: error }, "request failed");
          sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
        }
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  const drain = drainOf(server);

  return {
    server,
    listen: async (port, host) => {
      return listen(server, port, host);
    },
    beginDrain: drain.begin,
    close: async () => {
      await drain.close();
      await apollo.stop();
    },
  };
};
