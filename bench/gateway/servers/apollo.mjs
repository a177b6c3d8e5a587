/**
 * Stock Apollo Gateway on Apollo Server's standalone server, default settings. The only addition
 * is what the subgraphs require: each subgraph fetch carries a signed internal context
 * (x-taruvi-context, see stock-context.ts). Started with tsx's loader only so that it can sign
 * with the workspace's own code.
 */
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { CONTEXT_HEADER, contextFor, scopeOf } from "./stock-context.ts";

/**
 * Signs in sendRequest, where the request is final: RemoteGraphQLDataSource sends
 * JSON.stringify of it without `http`, the exact bytes the context must name.
 */
class SignedContextDataSource extends RemoteGraphQLDataSource {
  async sendRequest(request, context) {
    const { http, ...withoutHttp } = request;
    http?.headers.set(CONTEXT_HEADER, contextFor(context.scope, this.name, JSON.stringify(withoutHttp)));
    return super.sendRequest(request, context);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH, "utf8"),
  buildService: ({ name, url }) => new SignedContextDataSource({ name, url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: 0 },
  context: async ({ req }) => ({ scope: scopeOf(Boolean(req.headers["x-tenant"])) }),
});
process.send?.({ type: "ready", url });

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.stop().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("disconnect", () => void shutdown());
