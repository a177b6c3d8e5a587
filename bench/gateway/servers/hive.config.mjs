/**
 * Hive Gateway's configuration for the bench (`hive-gateway supergraph <file> -c <this file>`):
 * default settings plus what the subgraphs require. An `onFetch` hook (Hive Gateway's documented
 * plugin hook on every upstream fetch) adds the signed internal context (x-taruvi-context, see
 * stock-context.ts) for that subgraph and that exact body, as our gateway signs it. Hive Gateway
 * runs with tsx's loader only so that this file can sign with the workspace's own code.
 */
import { defineConfig } from "@graphql-hive/gateway";
import { CONTEXT_HEADER, contextFor, scopeOf } from "./stock-context.ts";

export const gatewayConfig = defineConfig({
  // Every fetch carries its own signed context (its own request id), so no two fetches of a real
  // deployment are the same request. Hive Gateway's in-flight deduplication keys a fetch before
  // `onFetch` adds that header: left on, it would answer concurrent identical queries of
  // different callers with one subgraph response (here: most of the load never reaches the
  // subgraph). Off, as it must be for per-caller contexts added in `onFetch`.
  transportEntries: {
    "*.http": { options: { deduplicateInflightRequests: false } },
  },
  plugins: () => [
    {
      onFetch({ options, setOptions, executionRequest, context }) {
        const subgraph = executionRequest?.subgraphName;
        if (!subgraph || typeof options.body !== "string") return;
        const scope = scopeOf(Boolean(context?.request?.headers.has("x-tenant")));
        setOptions({
          ...options,
          headers: { ...options.headers, [CONTEXT_HEADER]: contextFor(scope, subgraph, options.body) },
        });
      },
    },
  ],
});
