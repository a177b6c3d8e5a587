// What the apps use; @opentelemetry/api only, so each call is a cheap no-op when the preload
// did not start tracing (no OTLP endpoint).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import {
  type Attributes,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { APP_ATTRIBUTE, APP_CONTEXT_KEY } from "./apps";

export { APP_ATTRIBUTE } from "./apps";

const tracer = trace.getTracer("@taruvi/telemetry");

/** The provider @opentelemetry/api answers with while nobody registered one. */
const NO_PROVIDER = new ProxyTracerProvider().getDelegate();
/** The span `inSpan` hands its function while nothing is traced. */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a tracer provider is registered (the preload started tracing; a test may register one
 * after this module loaded, so it is asked on every call). Without one, the request and operation
 * spans below are skipped outright: the no-op API still made a span, a context and an attribute
 * object per request, about 2 % of the gateway's CPU per request (issue 18).
 */
const tracing = (): boolean => {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_PROVIDER;
};

/** `trace_id`/`span_id` of the active span for a log line; empty when nothing is traced. */
export const traceFields = (): { trace_id?: string; span_id?: string } => {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  // An unsampled span still names its trace, so the logs of one request stay joined.
  return isSpanContextValid(spanContext)
    ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
    : {};
};

/** Adds attributes (ids, names — never tokens, passwords or variables) to the active span. */
export const annotateActiveSpan = (attributes: Attributes) => {
  trace.getActiveSpan()?.setAttributes(attributes);
};

const finish = (span: Span, error?: unknown) => {
  if (error !== undefined) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
};

/** Runs `fn` inside a new active span `name`, ended (and marked failed on a throw) when it settles. */
export const inSpan = async <T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> =>
  !tracing()
    ? fn(NO_SPAN)
    : tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          const result = await fn(span);
          finish(span);
          return result;
        } catch (error) {
          finish(span, error);
          throw error;
        }
      });

/** The key under which a job's data carries the trace of the request that enqueued it. */
export const JOB_TRACE_KEY = "_trace";

/** `data` plus the active trace context (W3C `traceparent`), when there is one. */
export const withTraceContext = <T extends object>(data: T): T => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { ...data, [JOB_TRACE_KEY]: carrier } : data;
};

/**
 * Handles a job inside a consumer span `job <queue>` that continues the enqueuing request's
 * trace, with every span under it attributed to `app`; `fn` gets the data without the carrier.
 */
export const inJobSpan = <T>(
  app: string,
  queue: string,
  data: unknown,
  fn: (data: unknown) => Promise<T>,
): Promise<T> => {
  const record = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : undefined;
  const carrier = record?.[JOB_TRACE_KEY];
  let payload = data;
  if (record && carrier !== undefined) {
    const { [JOB_TRACE_KEY]: _carrier, ...rest } = record;
    payload = rest;
  }
  const parent =
    typeof carrier === "object" && carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  return context.with(parent.setValue(APP_CONTEXT_KEY, app), () =>
    tracer.startActiveSpan(
      `job ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { "messaging.system": "pg-boss", "messaging.destination.name": queue },
      },
      async (span) => {
        try {
          const result = await fn(payload);
          finish(span);
          return result;
        } catch (error) {
          finish(span, error);
          throw error;
        }
      },
    ),
  );
};

/**
 * The span attributes naming a request's site and principal: slugs and ids, never credentials.
 */
export const requestAttributes = (
  site: { slug: string } | null | undefined,
  principal: { type: string; id: string } | null | undefined,
): Attributes => ({
  ...(site ? { "taruvi.site": site.slug } : {}),
  ...(principal ? { "taruvi.principal.type": principal.type, "taruvi.principal.id": principal.id } : {}),
});

/** Probes are not requests anyone traces. */
const PROBE = /^\/(healthz|readyz)(\?|$)/;

/**
 * Runs `handler` inside the server span of one HTTP request: `<METHOD> <route>` (the method
 * alone for paths that are not a named route: they carry ids), kind SERVER, attributed to
 * `app`, ended with the response's status when it closes. The parent is the caller's W3C
 * `traceparent` when `continueTrace`, else the span is a root. Records the method, the path
 * (never the query string: GraphQL over GET carries the document and variables there) and
 * the status; no header, no body. Probes (`/healthz`, `/readyz`) are not traced.
 *
 * Our own few lines rather than @opentelemetry/instrumentation-http: that one does its work on
 * every request, sampled or not (dozens of attributes, wrapped emitters), and cost the gateway
 * most of tracing's overhead (decision 0021).
 */
export const traceServerRequest = (
  req: IncomingMessage,
  res: ServerResponse,
  options: { app: string; continueTrace: boolean; route?: string },
  handler: () => void,
): void => {
  const url = req.url ?? "/";
  if (!tracing() || PROBE.test(url)) {
    handler();
    return;
  }
  const method = req.method ?? "GET";
  const query = url.indexOf("?");
  const parent = options.continueTrace ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    options.route ? `${method} ${options.route}` : method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [APP_ATTRIBUTE]: options.app,
        "http.request.method": method,
        "url.path": query === -1 ? url : url.slice(0, query),
        ...(options.route ? { "http.route": options.route } : {}),
      },
    },
    parent,
  );
  if (span.isRecording()) {
    res.once("close", () => {
      span.setAttribute("http.response.status_code", res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
  // Unsampled, the span still carries the trace id to the subgraphs and to log lines.
  context.with(trace.setSpan(parent, span), handler);
};

/** Adds the active span's W3C `traceparent` to the headers of a request about to be sent. */
export const injectTraceContext = (headers: IncomingHttpHeaders | Record<string, string>) => {
  if (tracing()) propagation.inject(context.active(), headers);
};
