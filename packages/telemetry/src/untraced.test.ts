import { type IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { injectTraceContext, inSpan, traceFields, traceServerRequest } from "./index";

// Nothing registers a tracer provider in this file (no OTLP endpoint: the preload started
// nothing): every helper runs the work it wraps and adds nothing to it.

describe("without tracing", () => {
  it("runs the request handler and the operation at once, with a span that records nothing", async () => {
    const req = { url: "/graphql", method: "POST", headers: {} } as IncomingMessage;
    let handled = false;
    traceServerRequest(req, new ServerResponse(req), { app: "gateway", continueTrace: true }, () => {
      handled = true;
      expect(traceFields()).toEqual({});
    });
    expect(handled).toBe(true);
    const result = await inSpan("graphql.operation x", { a: 1 }, async (span) => {
      expect(span.isRecording()).toBe(false);
      return 42;
    });
    expect(result).toBe(42);
    await expect(inSpan("failing", {}, async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
  });

  it("adds no traceparent to a subgraph fetch's headers", () => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    injectTraceContext(headers);
    expect(headers).toEqual({ "content-type": "application/json" });
  });
});
