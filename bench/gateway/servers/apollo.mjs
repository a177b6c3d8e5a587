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

class SignedContextDataSource extends RemoteGraphQLDataSource {
  async willSendRequest({ request, context }) {
    if (request.http) request.http.headers.set(CONTEXT_HEADER, await contextFor(context.scope, this.name));
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
