/**
 * Hive Gateway's configuration for the bench (`hive-gateway supergraph <file> -c <this file>`):
 * default settings plus what the subgraphs require. `propagateHeaders.fromClientToSubgraphs` is
 * Hive Gateway's documented per-subgraph header hook; it adds the signed internal context
 * (x-taruvi-context, see stock-context.ts) for that subgraph. Hive Gateway runs with tsx's loader
 * only so that this file can sign with the workspace's own code.
 */
import { defineConfig } from "@graphql-hive/gateway";
import { CONTEXT_HEADER, contextFor, scopeOf } from "./stock-context.ts";

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: async ({ request, subgraphName }) => ({
      [CONTEXT_HEADER]: await contextFor(scopeOf(request.headers.has("x-tenant")), subgraphName),
    }),
  },
});
