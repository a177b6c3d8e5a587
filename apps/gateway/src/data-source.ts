import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { INTERNAL_CONTEXT_HEADER, type InternalContextKey, signInternalContext } from "@taruvi/auth";
import { injectTraceContext } from "@taruvi/telemetry";
import { GraphQLError } from "graphql";
import { type Dispatcher, Pool } from "undici";
import type { GatewayContext } from "./context";

/**
 * Sends each subgraph fetch over that subgraph's own keep-alive undici Pool (its origin and path
 * parsed once, no per-fetch lookup of a pool by origin) with the request id and a context signed
 * for that subgraph alone (aud = its name) and that body (its SHA-256), living 5 s. A plain
 * GraphQLDataSource rather than RemoteGraphQLDataSource: the stock one builds node-fetch Headers
 * and a Request per fetch and goes through WHATWG fetch, which measurably cost CPU on every
 * fetch. A subgraph that cannot be reached becomes SERVICE_UNAVAILABLE on its fields; the rest
 * of the response still resolves.
 */
export class SignedContextDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(
    private readonly options: {
      name: string;
      url: string;
      key: InternalContextKey;
      /** Each fetch's outcome and duration, signing to body read (the subgraph-fetch metric). */
      onFetch?: (outcome: "success" | "error", seconds: number) => void;
    },
  ) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connections: 128,
    });
  }

  /** Closes the subgraph's connections (the gateway's stop). */
  close(): Promise<void> {
    return this.pool.close();
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const started = performance.now();
    let outcome: "success" | "error" = "error";
    try {
      const result = await this.fetch(options);
      outcome = "success";
      return result;
    } finally {
      this.options.onFetch?.(outcome, (performance.now() - started) / 1000);
    }
  }

  private async fetch({ request: operation, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const { name, key } = this.options;
    const { http: _http, ...operationBody } = operation;
    // The context is signed for these exact bytes: a captured header cannot carry another body.
    const body = JSON.stringify(operationBody);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if ("requestId" in context) {
      headers["x-request-id"] = context.requestId;
      headers[INTERNAL_CONTEXT_HEADER] = await signInternalContext(
        key,
        {
          requestId: context.requestId,
          tenant: context.tenant,
          actor: context.actor,
          client: context.client,
        },
        { audience: name, body },
      );
    }
    // The subgraph's server span continues this fetch's span (Apollo Gateway's `gateway.fetch`).
    injectTraceContext(headers);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ path: this.path, method: "POST", headers, body });
    } catch (error) {
      throw new GraphQLError(`The ${name} service is unavailable; try again shortly`, {
        extensions: { code: "SERVICE_UNAVAILABLE", service: name },
        originalError: error as Error,
      });
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const code = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN" }[response.statusCode] ?? "SERVICE_UNAVAILABLE";
      throw new GraphQLError(`The ${name} service refused the request (HTTP ${response.statusCode})`, {
        extensions: { code, service: name },
      });
    }
    const result: unknown = JSON.parse(text);
    if (typeof result !== "object" || result === null) {
      throw new Error(`the ${name} service answered with a body that is not a GraphQL response`);
    }
    return result as GatewayGraphQLResponse;
  }
}
