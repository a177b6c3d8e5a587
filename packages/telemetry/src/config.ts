/** What the standard OTEL_* variables ask for; null when tracing is off (no endpoint set). */
export type TraceConfig = {
  /** Where spans are POSTed (the OTLP/HTTP traces URL, `…/v1/traces`). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
  serviceName: string;
  /** Milliseconds between batch exports (OTEL_BSP_SCHEDULE_DELAY; default 5000). */
  exportDelayMs: number;
};

const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

type Env = Record<string, string | undefined>;

const value = (env: Env, name: string) => {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
};

/**
 * The deployable's name from its entry file (`apps/<name>/…/index.*`, `services/<name>/…`),
 * `taruvi` for the one-process stack, else `taruvi`. The image passes APP instead.
 */
export const appNameOf = (entry: string | undefined): string =>
  /(?:^|[/\\])(?:apps|services)[/\\]([^/\\]+)[/\\]/.exec(entry ?? "")?.[1] ?? "taruvi";

/** `k1=v1,k2=v2` (OTEL_EXPORTER_OTLP_HEADERS), values URL-decoded. */
const parseHeaders = (raw: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (raw ?? "")
      .split(",")
      .map((pair) => pair.split("="))
      .filter(([key, ...rest]) => key?.trim() && rest.length > 0)
      .map(([key, ...rest]) => [String(key).trim(), decodeURIComponent(rest.join("=").trim())]),
  );

/**
 * Reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (plus
 * `/v1/traces`), OTEL_EXPORTER_OTLP_PROTOCOL (`http/protobuf` default, `http/json`),
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER (default `parentbased_always_on`) with
 * OTEL_TRACES_SAMPLER_ARG, OTEL_SERVICE_NAME (default: the app's name) and
 * OTEL_BSP_SCHEDULE_DELAY. Throws naming the variable on a value it cannot use, so a typo does
 * not silently turn tracing off or sample everything.
 */
export const traceConfig = (env: Env, entry?: string): TraceConfig | null => {
  const base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const url =
    value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? (base && `${base.replace(/\/+$/, "")}/v1/traces`);
  if (!url || value(env, "OTEL_SDK_DISABLED") === "true") return null;
  const protocol =
    value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol !== undefined && protocol !== "http/protobuf" && protocol !== "http/json") {
    throw new Error(
      `OTEL_EXPORTER_OTLP_PROTOCOL: ${protocol} is not supported (use http/protobuf or http/json)`,
    );
  }
  const sampler = (value(env, "OTEL_TRACES_SAMPLER") ?? "parentbased_always_on") as SamplerName;
  if (!SAMPLERS.includes(sampler)) {
    throw new Error(`OTEL_TRACES_SAMPLER: ${sampler} is not one of ${SAMPLERS.join(", ")}`);
  }
  const arg = value(env, "OTEL_TRACES_SAMPLER_ARG");
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!(ratio >= 0 && ratio <= 1))
    throw new Error(`OTEL_TRACES_SAMPLER_ARG: ${arg} is not a ratio in [0, 1]`);
  const delay = Number(value(env, "OTEL_BSP_SCHEDULE_DELAY") ?? 5000);
  if (!(delay >= 0)) throw new Error("OTEL_BSP_SCHEDULE_DELAY: not a number of milliseconds");
  return {
    url,
    protocol: protocol ?? "http/protobuf",
    headers: parseHeaders(
      value(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? value(env, "OTEL_EXPORTER_OTLP_HEADERS"),
    ),
    sampler: { name: sampler, ratio },
    serviceName: value(env, "OTEL_SERVICE_NAME") ?? value(env, "APP") ?? appNameOf(entry),
    exportDelayMs: delay,
  };
};
