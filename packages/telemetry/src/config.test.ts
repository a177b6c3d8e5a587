import { describe, expect, it } from "vitest";
import { appNameOf, traceConfig } from "./config";

describe("traceConfig", () => {
  it("is off without an OTLP endpoint", () => {
    expect(traceConfig({}, "apps/gateway/dist/index.js")).toBeNull();
    expect(traceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "" })).toBeNull();
  });

  it("takes the standard defaults: protobuf, parent-based always on, the app's name", () => {
    expect(
      traceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, "apps/gateway/dist/index.js"),
    ).toEqual({
      url: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      headers: {},
      sampler: { name: "parentbased_always_on", ratio: 1 },
      serviceName: "gateway",
      exportDelayMs: 5000,
    });
  });

  it("reads the traces endpoint as is, JSON, a ratio sampler, headers and OTEL_SERVICE_NAME", () => {
    expect(
      traceConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/custom",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_HEADERS: "x-team=core,authorization=Basic%20abc",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.1",
        OTEL_SERVICE_NAME: "edge",
      }),
    ).toMatchObject({
      url: "http://collector:4318/custom",
      protocol: "http/json",
      headers: { "x-team": "core", authorization: "Basic abc" },
      sampler: { name: "parentbased_traceidratio", ratio: 0.1 },
      serviceName: "edge",
    });
  });

  it("refuses what it cannot honour, naming the variable", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(() => traceConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL/,
    );
    expect(() => traceConfig({ ...endpoint, OTEL_TRACES_SAMPLER: "sometimes" })).toThrow(
      /OTEL_TRACES_SAMPLER/,
    );
    expect(() => traceConfig({ ...endpoint, OTEL_TRACES_SAMPLER_ARG: "10%" })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG/,
    );
  });

  it("names the service after the image's APP, else the entry's app, else taruvi (the one-process stack)", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(traceConfig({ ...endpoint, APP: "worker" }, "apps/worker/dist/index.js")?.serviceName).toBe(
      "worker",
    );
    expect(appNameOf("/app/services/files/dist/index.js")).toBe("files");
    expect(appNameOf("/repo/stack/src/main.ts")).toBe("taruvi");
  });
});
