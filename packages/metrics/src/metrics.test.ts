import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics";
import { parsePrometheusText, sampleSum } from "./parse";
import { serveMetrics } from "./server";

const scrape = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheusText(await res.text());
};

describe("metrics", () => {
  it("serves every app's series on one endpoint, each labelled with its app, as valid Prometheus text", async () => {
    const metrics = createMetrics("stack");
    const gateway = metrics.forApp("gateway");
    const identity = metrics.forApp("identity");
    gateway.httpRequest("POST", "/graphql", 200, 0.012);
    gateway.httpRequest("BREW", "other", 404, 0.001);
    gateway.graphqlOperation("Me", "success");
    identity.observePool({ totalCount: 3, idleCount: 1, waitingCount: 2, options: { max: 10 } });
    identity.observeClientCache({ size: 4, evictions: 7 });
    identity.observeQueue("identity.cleanup", async () => 5);
    identity.observeQueue("identity.broken", async () => {
      throw new Error("database away");
    });
    identity.jobFinished("identity.cleanup", "failed");

    const server = await serveMetrics(metrics.registry, 0, "127.0.0.1");
    try {
      const samples = await scrape(server.url);
      expect(
        sampleSum(samples, "http_server_request_duration_seconds_count", {
          app: "gateway",
          http_request_method: "POST",
          http_route: "/graphql",
          http_response_status_code: "200",
        }),
      ).toBe(1);
      // An unknown method is bounded to `_OTHER`, as OpenTelemetry names it.
      expect(
        sampleSum(samples, "http_server_request_duration_seconds_count", { http_request_method: "_OTHER" }),
      ).toBe(1);
      expect(
        sampleSum(samples, "graphql_server_operations_total", {
          app: "gateway",
          graphql_operation_name: "Me",
          outcome: "success",
        }),
      ).toBe(1);
      expect(sampleSum(samples, "taruvi_db_pool_connections", { app: "identity", state: "waiting" })).toBe(2);
      expect(sampleSum(samples, "taruvi_db_pool_connections", { app: "identity", state: "max" })).toBe(10);
      expect(sampleSum(samples, "taruvi_tenant_clients", { app: "identity" })).toBe(4);
      expect(sampleSum(samples, "taruvi_tenant_client_evictions_total", { app: "identity" })).toBe(7);
      expect(sampleSum(samples, "taruvi_job_queue_depth", { queue: "identity.cleanup" })).toBe(5);
      // A queue that cannot be read is left out, not reported empty.
      expect(samples.some((s) => s.labels.queue === "identity.broken")).toBe(false);
      expect(sampleSum(samples, "taruvi_jobs_total", { queue: "identity.cleanup", outcome: "failed" })).toBe(
        1,
      );
      // Process metrics belong to the process: `stack` here.
      expect(sampleSum(samples, "process_cpu_seconds_total", { app: "stack" })).toBeGreaterThan(0);
      expect(samples.every((s) => s.labels.app)).toBe(true);

      const elsewhere = await fetch(server.url.replace("/metrics", "/graphql"));
      expect(elsewhere.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("the reader refuses text that is not the exposition format", () => {
    expect(() => parsePrometheusText("# TYPE a counter\na 1\n# TYPE a counter\n")).toThrow(/second TYPE/);
    expect(() => parsePrometheusText('a{b="1" 2\n')).toThrow(/bad/);
    expect(() => parsePrometheusText('a{1b="x"} 2\n')).toThrow(/bad label/);
    expect(() => parsePrometheusText("a one\n")).toThrow(/not a number/);
    expect(() => parsePrometheusText("a 1\nb 1\na 2\n")).toThrow(/split/);
    expect(parsePrometheusText('a{b="x,y",c="\\"q\\""} 2 1700000000\n')).toEqual([
      { name: "a", labels: { b: "x,y", c: '"q"' }, value: 2 },
    ]);
  });
});
