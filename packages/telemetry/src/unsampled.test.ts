import { context, propagation, ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { skipUnsampledChildren } from "./unsampled";

const exporter = new InMemorySpanExporter();
const tracerWith = (root: AlwaysOnSampler | AlwaysOffSampler) =>
  skipUnsampledChildren(
    new TracerProvider({
      sampler: new ParentBasedSampler({ root }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
  ).getTracer("test");

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const traceparent = (ctx = context.active()) => {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
};

describe("spans under a span that is not sampled", () => {
  it("are that span: nothing recorded, and the trace id still reaches children and subgraphs", async () => {
    const tracer = tracerWith(new AlwaysOffSampler());
    const seen: { root?: Span; child?: Span; grandchild?: Span; header?: string } = {};
    await tracer.startActiveSpan("server", async (root) => {
      seen.root = root;
      await tracer.startActiveSpan("gateway.request", async (child) => {
        seen.child = child;
        seen.grandchild = tracer.startSpan("gateway.fetch");
        seen.header = traceparent();
      });
    });
    expect(seen.root?.isRecording()).toBe(false);
    expect(seen.child).toBe(seen.root);
    expect(seen.grandchild).toBe(seen.root);
    expect(seen.header).toBe(`00-${seen.root?.spanContext().traceId}-${seen.root?.spanContext().spanId}-00`);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("continue an unsampled remote parent (a subgraph under the gateway's unsampled request)", () => {
    const tracer = tracerWith(new AlwaysOnSampler());
    const remote = propagation.extract(ROOT_CONTEXT, {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
    });
    const span = tracer.startSpan("server", {}, remote);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext()).toMatchObject({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
    });
  });

  it("but a new root (`root: true`) is sampled on its own", () => {
    const tracer = tracerWith(new AlwaysOnSampler());
    const remote = propagation.extract(ROOT_CONTEXT, {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
    });
    const span = tracer.startSpan("job", { root: true }, remote);
    span.end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["job"]);
  });
});

describe("spans under a sampled span", () => {
  it("are recorded as its children, local or remote", async () => {
    const tracer = tracerWith(new AlwaysOnSampler());
    await tracer.startActiveSpan("server", async (root) => {
      await tracer.startActiveSpan("gateway.request", async (child) => {
        child.end();
      });
      root.end();
    });
    const remote = propagation.extract(ROOT_CONTEXT, {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    tracer.startSpan("subgraph", {}, remote).end();
    const [child, root, subgraph] = exporter.getFinishedSpans();
    expect(child?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(subgraph?.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(subgraph?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });
});
