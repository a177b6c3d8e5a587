import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inJobSpan, inSpan, JOB_TRACE_KEY, traceFields, withTraceContext } from "./index";

// The SDK registered in-process, as the preload registers it (without the instrumentations,
// which need the preload's loader hook): what a job carries and what a log line reads.
const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
});

afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe("a job continues the trace of the request that enqueued it", () => {
  it("carries the traceparent in the job's data and hands the handler the data without it", async () => {
    let queued: Record<string, unknown> = {};
    const request = await inSpan("request", {}, async (span) => {
      queued = withTraceContext({ siteId: "s1" });
      return span.spanContext();
    });
    expect(queued[JOB_TRACE_KEY]).toMatchObject({ traceparent: expect.stringContaining(request.traceId) });

    let seen: unknown;
    let fields: ReturnType<typeof traceFields> = {};
    await inJobSpan("worker", "email.send", queued, async (data) => {
      seen = data;
      fields = traceFields();
    });
    expect(seen).toEqual({ siteId: "s1" });
    const job = exporter.getFinishedSpans().find((span) => span.name === "job email.send");
    expect(job?.spanContext().traceId).toBe(request.traceId);
    expect(job?.parentSpanContext?.spanId).toBe(request.spanId);
    expect(fields).toEqual({ trace_id: request.traceId, span_id: job?.spanContext().spanId });
  });

  it("starts a new trace for a job sent outside any request (a schedule's)", async () => {
    const data = withTraceContext({});
    expect(data).toEqual({});
    await inJobSpan("worker", "cleanup", data, async () => {});
    const job = exporter.getFinishedSpans().find((span) => span.name === "job cleanup");
    expect(job?.parentSpanContext).toBeUndefined();
  });
});
