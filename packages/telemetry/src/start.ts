import type { IncomingMessage } from "node:http";
import { register } from "node:module";
import { type Span as ApiSpan, type Context, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
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
import { APP_ATTRIBUTE, appOfContext, appOfPort } from "./apps";
import type { TraceConfig } from "./config";

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
 * parent's, else the one its server span was given by port, else the process's service name.
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
 * GraphQL over GET carries the document and its variables in the query string: never recorded
 * (a literal in a document can be a password as much as a variable can).
 */
const REDACTED_QUERY_PARAMS = ["query", "variables", "extensions", "operationName"];

/**
 * Starts tracing for this process: the tracer provider (batching to the OTLP/HTTP endpoint),
 * W3C trace context, and the instrumentations of node:http (server and client), undici (the
 * gateway's subgraph fetches) and pg (one span per statement: Prisma's adapter and pg-boss both
 * query through pg, so @prisma/instrumentation would only add a second span per statement).
 * HTTP spans record no headers and no bodies; pool-connect spans are left out.
 */
export const startTracing = (config: TraceConfig) => {
  // ESM modules (and CJS ones imported from ESM, like pg) are patched through this loader hook.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
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
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
        // Probes are not requests anyone traces.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz)(\?|$)/.test(req.url ?? ""),
        startIncomingSpanHook: (req: IncomingMessage) => {
          const app = appOfPort(req.socket.localPort);
          return app ? { [APP_ATTRIBUTE]: app } : {};
        },
      }),
      new UndiciInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  return provider;
};
