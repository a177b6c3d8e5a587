import { register } from "node:module";
import { type Span as ApiSpan, type Context, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type Span,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { APP_ATTRIBUTE, appOfContext } from "./apps";
import type { TraceConfig } from "./config";
import { skipUnsampledChildren } from "./unsampled";

const samplerOf = ({ name, ratio }: TraceConfig["sampler"]): Sampler => {
  const root = name.endsWith("always_on")
    ? new AlwaysOnSampler()
    : name.endsWith("always_off")
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
};

/**
 * Gives every span a `taruvi.app`: the one a context names (a job handler's), else its local
 * parent's, else the one it was started with (a server span's), else the process's service name.
 */
const appSpanProcessor = (fallback: string): SpanProcessor => {
  const apps = new WeakMap<object, string>();
  return {
    onStart: (span: Span, parent: Context) => {
      const parentSpan: ApiSpan | undefined = trace.getSpan(parent);
      const app =
        appOfContext(parent) ??
        (parentSpan && apps.get(parentSpan)) ??
        (span.attributes[APP_ATTRIBUTE] as string | undefined) ??
        fallback;
      span.setAttribute(APP_ATTRIBUTE, app);
      apps.set(span, app);
    },
    onEnd: () => {},
    forceFlush: async () => {},
    shutdown: async () => {},
  };
};

/**
 * Starts tracing for this process: the tracer provider (batching to the OTLP/HTTP endpoint),
 * W3C trace context, and the pg instrumentation (one span per statement: Prisma's adapter and
 * pg-boss both query through pg, so @prisma/instrumentation would only add a second span per
 * statement; pool-connect spans are left out). The HTTP server spans are the apps' own
 * (`traceServerRequest`), the gateway's subgraph fetches are Apollo Gateway's `gateway.fetch`
 * spans with the `traceparent` added by its data source (`injectTraceContext`): decision 0021.
 */
export const startTracing = (config: TraceConfig) => {
  // pg (a CommonJS module the apps import from ESM) is patched through this loader hook; only pg
  // goes through it, every other module loads as it would untraced.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, { data: { include: ["pg"] } });
  const Exporter = config.protocol === "http/json" ? JsonExporter : ProtobufExporter;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    sampler: samplerOf(config.sampler),
    spanProcessors: [
      appSpanProcessor(config.serviceName),
      new BatchSpanProcessor({
        exporter: new Exporter({ url: config.url, headers: config.headers }),
        scheduledDelayMillis: config.exportDelayMs,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Under a parent-based sampler (the default) a child of an unsampled span is never sampled.
  const tracerProvider = config.sampler.name.startsWith("parentbased_")
    ? skipUnsampledChildren(provider)
    : provider;
  trace.setGlobalTracerProvider(tracerProvider);
  registerInstrumentations({
    tracerProvider,
    instrumentations: [new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true })],
  });
  return provider;
};
