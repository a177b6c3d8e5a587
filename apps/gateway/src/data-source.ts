import type { GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { RemoteGraphQLDataSource } from "@apollo/gateway";
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from "@taruvi/auth";
import { GraphQLError } from "graphql";
import { Agent, fetch as undiciFetch } from "undici";
import type { GatewayContext } from "./context";

/** One keep-alive connection pool per process for every subgraph. */
const agent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 60_000,
  connections: 128,
  pipelining: 1,
});

/**
 * Sends each subgraph fetch over the keep-alive agent with the request id and a context signed
 * for that subgraph alone (aud = its name, 30 s). A subgraph that cannot be reached becomes a
 * clear SERVICE_UNAVAILABLE error on its fields; the rest of the response still resolves.
 */
export class SignedContextDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly key: Uint8Array;

  constructor({ name, url, key }: { name: string; url: string; key: Uint8Array }) {
    super({
      url,
      fetcher: (async (input: string, init?: Parameters<typeof undiciFetch>[1]) => {
        try {
          return await undiciFetch(input, { ...init, dispatcher: agent });
        } catch (error) {
          throw new GraphQLError(`The ${name} service is unavailable; try again shortly`, {
            extensions: { code: "SERVICE_UNAVAILABLE", service: name },
            originalError: error as Error,
          });
        }
      }) as unknown as RemoteGraphQLDataSource["fetcher"],
    });
    this.name = name;
    this.key = key;
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (!("requestId" in context) || !request.http) return;
    request.http.headers.set("x-request-id", context.requestId);
    request.http.headers.set(
      INTERNAL_CONTEXT_HEADER,
      await signInternalContext(
        this.key,
        {
          requestId: context.requestId,
          tenant: context.tenant,
          actor: context.actor,
          client: context.client,
        },
        { audience: this.name },
      ),
    );
  }

  readonly name: string;
}
