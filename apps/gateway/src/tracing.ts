import type { Server } from "node:http";

/**
 * Drops a client's W3C trace context before the HTTP instrumentation reads it, so the request
 * starts a new trace (TRUST_TRACEPARENT off). The instrumentation wraps `emit` on
 * `http.Server.prototype`; this wrapper sits on the gateway's server object itself, so it runs
 * first, and only for the gateway: the subgraphs in the same process (`npm start`) keep
 * continuing the gateway's traces. Costs two property deletions per request, traced or not.
 */
export const untrustTraceparent = (server: Server) => {
  const emit = server.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const headers = (args[0] as { headers: Record<string, unknown> }).headers;
      delete headers.traceparent;
      delete headers.tracestate;
    }
    return emit.call(this, event, ...args);
  } as Server["emit"];
};
