import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { INTERNAL_CONTEXT_HEADER, verifyInternalContext } from "@taruvi/auth";
import type { PlatformClient, TenantClient } from "@taruvi/db";
import { AppError, isAppError } from "@taruvi/errors";
import { type Logger, requestLogger } from "@taruvi/logging";
import type { TenantClientCache } from "@taruvi/tenancy";
import type { DocumentNode } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { allow, deny, type IRules, shield } from "graphql-shield";
import type { RequestContext } from "./context";
import { createFormatError } from "./format-error";

export type SubgraphDeps = {
  platform: PlatformClient;
  tenants: TenantClientCache;
  /** HMAC key of the gateway's internal context. */
  contextKey: Uint8Array;
  logger: Logger;
  /** Checked by /healthz; e.g. a `SELECT 1`. */
  healthCheck?: () => Promise<void>;
};

export type SubgraphOptions<Loaders> = {
  name: string;
  typeDefs: DocumentNode;
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed per subgraph
  resolvers: GraphQLResolverMap<any>;
  /** graphql-shield rules; `_service` and `_entities` are always allowed. */
  rules?: IRules;
  /** DataLoaders, built once per request. */
  createLoaders: (ctx: Omit<RequestContext<Loaders>, "loaders">) => Loaders;
  deps: SubgraphDeps;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
};

export type Subgraph = {
  server: Server;
  listen: (port: number, host?: string) => Promise<string>;
  close: () => Promise<void>;
};

/** The platform scope's `db`: any use is a clear error, not a query against some schema. */
const NO_SITE_DB = new Proxy({} as TenantClient, {
  get: () => {
    throw new AppError("BAD_USER_INPUT", "this operation needs a site: send X-Tenant or use its host");
  },
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

const errorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

const readBody = (req: IncomingMessage, limit: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AppError("BAD_USER_INPUT", "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

/**
 * An Apollo subgraph on node:http: verifies the gateway's signed context before anything runs
 * (HTTP 401 otherwise), builds one typed RequestContext per request, masks unknown errors,
 * serves /healthz, and closes gracefully.
 */
export const createSubgraph = async <Loaders>(options: SubgraphOptions<Loaders>): Promise<Subgraph> => {
  const { name, deps, bodyLimit = 1_000_000 } = options;
  const current = new AsyncLocalStorage<Logger>();
  let schema = buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  if (options.rules) {
    // Deny by default; federation's own entry points stay open (entity fields keep their rules).
    const rules = options.rules as Record<string, Record<string, unknown>>;
    const query = { ...(rules.Query ?? {}), _service: allow, _entities: allow };
    schema = applyMiddleware(
      schema,
      shield({ ...rules, Query: query } as IRules, {
        allowExternalErrors: true,
        fallbackRule: deny,
        fallbackError: () => new AppError("FORBIDDEN", "not allowed"),
      }),
    );
  }
  const apollo = new ApolloServer<RequestContext<Loaders>>({
    schema,
    includeStacktraceInErrorResponses: false,
    formatError: createFormatError(() => current.getStore() ?? deps.logger),
    // Inline tracing is off: the gateway does not ask for it and it costs per field.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://subgraph");
    if (url.pathname === "/healthz") {
      try {
        await deps.healthCheck?.();
        json(res, 200, { status: "ok", service: name });
      } catch {
        json(res, 503, { status: "unavailable", service: name });
      }
      return;
    }
    if (url.pathname !== "/graphql" && url.pathname !== "/") {
      json(res, 404, errorBody("NOT_FOUND", "no such route"));
      return;
    }
    const header = req.headers[INTERNAL_CONTEXT_HEADER];
    let internal: Awaited<ReturnType<typeof verifyInternalContext>>;
    try {
      internal = await verifyInternalContext(deps.contextKey, Array.isArray(header) ? header[0] : header, {
        audience: name,
      });
    } catch (error) {
      deps.logger.warn({ reason: (error as Error).message, path: url.pathname }, "request refused");
      json(res, 401, errorBody("UNAUTHENTICATED", isAppError(error) ? error.userMessage : "unauthenticated"));
      return;
    }

    const logger = requestLogger(deps.logger, {
      requestId: internal.requestId,
      tenant: internal.tenant?.slug ?? null,
      actor: internal.actor ? `${internal.actor.type}:${internal.actor.id}` : null,
    });
    let body: unknown;
    if (req.method === "POST") {
      try {
        const text = await readBody(req, bodyLimit);
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch (error) {
        const tooLarge = isAppError(error);
        json(
          res,
          tooLarge ? 413 : 400,
          errorBody("BAD_REQUEST", tooLarge ? "request body too large" : "malformed JSON"),
        );
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }

    const context: RequestContext<Loaders> = {
      requestId: internal.requestId,
      logger,
      tenant: internal.tenant,
      actor: internal.actor,
      platform: deps.platform,
      // Apollo Server copies the context object, so `db` is a plain value, not a getter.
      db: internal.tenant ? deps.tenants.forSchema(internal.tenant.schema) : NO_SITE_DB,
      loaders: undefined as Loaders,
    };
    context.loaders = options.createLoaders(context);

    const result = await current.run(logger, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context: async () => context,
      }),
    );
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, "request failed");
      if (!res.headersSent) json(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Internal server error"));
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${host}:${address.port}/graphql`);
        });
      }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
    },
  };
};
