import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashPassword } from "@taruvi/auth";
import { parsePrometheusText, sampleSum } from "@taruvi/metrics";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, strongPassword, type TestStack } from "./helpers";
import { freePort, waitUntil } from "./process-helpers";

const PROMETHEUS = "/usr/bin/prometheus";

let t: TestStack;
let metricsUrl: string;

const scrape = async (url = metricsUrl) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
};

beforeAll(async () => {
  // Two refused requests per minute from one address, then 429 (reason `rejected`).
  t = await startTestStack({ RATE_LIMIT_REJECTED_PER_MINUTE: "2" }, { worker: false });
  metricsUrl = t.stack.metricsUrl as string;
});
afterAll(async () => {
  await t?.close();
});

describe("/metrics under the stack", () => {
  it("is Prometheus text on its own port, every series labelled with its app, and counters move with traffic", async () => {
    expect(new URL(metricsUrl).port).not.toBe(new URL(t.stack.gatewayUrl).port);
    const before = await scrape();
    const count = (samples: typeof before, name: string, labels: Record<string, string>) =>
      sampleSum(samples, name, labels);

    const known = await t.gql("query Me { me { id } }");
    expect(known.status).toBe(200);
    // A name of the client's choosing is counted as `other`, never as itself.
    const unknown = await t.gql("query MyOwnDashboardQuery { me { id } }");
    expect(unknown.status).toBe(200);
    const badToken = await t.gql("query Me { me { id } }", { token: "not-a-token" });
    expect(badToken.status).toBe(401);
    const noSite = await t.gql("query Me { me { id } }", { tenant: "no-such-site-here" });
    expect(noSite.status).toBe(404);
    // The address has spent its refused requests: refused before any lookup.
    const limited = await t.gql("query Me { me { id } }");
    expect(limited.status).toBe(429);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      count(after, name, labels) - count(before, name, labels);
    expect(
      delta("http_server_request_duration_seconds_count", {
        app: "gateway",
        http_request_method: "POST",
        http_route: "/graphql",
      }),
    ).toBe(5);
    expect(delta("graphql_server_operations_total", { app: "gateway", graphql_operation_name: "Me" })).toBe(
      1,
    );
    expect(
      delta("graphql_server_operations_total", {
        app: "gateway",
        graphql_operation_name: "other",
        outcome: "success",
      }),
    ).toBe(1);
    expect(after.some((s) => s.labels.graphql_operation_name === "MyOwnDashboardQuery")).toBe(false);
    expect(delta("taruvi_gateway_rate_limit_rejections_total", { app: "gateway", reason: "rejected" })).toBe(
      1,
    );
    expect(
      delta("taruvi_gateway_authentication_failures_total", { app: "gateway", reason: "invalid_token" }),
    ).toBe(1);
    expect(delta("taruvi_gateway_subgraph_fetch_duration_seconds_count", { subgraph: "identity" })).toBe(2);
    // The subgraph answering those fetches times them on its side, under its own name.
    expect(
      delta("http_server_request_duration_seconds_count", {
        app: "identity",
        http_route: "/graphql",
        http_response_status_code: "200",
      }),
    ).toBe(2);
    expect(delta("taruvi_gateway_tenant_cache_lookups_total", { result: "miss" })).toBe(1);
    // The pool the stack shares, the subgraphs' tenant-client caches and process metrics.
    expect(count(after, "taruvi_db_pool_connections", { app: "stack", state: "max" })).toBe(12);
    expect(after.some((s) => s.name === "taruvi_tenant_clients" && s.labels.app === "identity")).toBe(true);
    expect(count(after, "process_resident_memory_bytes", { app: "stack" })).toBeGreaterThan(0);
    expect(after.every((s) => s.labels.app)).toBe(true);
  });

  it("a real Prometheus server scrapes it and its query API returns the gateway's request rate", async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(
        `${PROMETHEUS} is missing: install Debian's prometheus package (apt-get install -y prometheus; .ci/run does)`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), "taruvi-prometheus-"));
    const port = await freePort();
    const target = new URL(metricsUrl);
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: taruvi",
        `    static_configs: [{ targets: ["${target.host}"] }]`,
        "",
      ].join("\n"),
    );
    let prometheus: ChildProcess | undefined;
    try {
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
      const query = async (promql: string) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
        if (!res.ok) return [];
        const body = (await res.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result;
      };
      // Traffic between scrapes until Prometheus reports a rate above zero for the gateway.
      await waitUntil(
        "Prometheus reports the gateway's request rate",
        async () => {
          // /healthz: this address has spent its refused requests above, and it is a request too.
          await fetch(new URL("/healthz", t.stack.gatewayUrl));
          const rate = await query(
            'sum(rate(http_server_request_duration_seconds_count{app="gateway"}[10s]))',
          );
          return Number(rate[0]?.value[1] ?? 0) > 0;
        },
        45_000,
      );
      const series = await query(
        'http_server_request_duration_seconds_count{app="gateway",http_route="/healthz"}',
      );
      expect(series.length).toBeGreaterThan(0);
      expect(series[0]?.metric.job).toBe("taruvi");
    } finally {
      const child = prometheus;
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("/metrics of the worker under the stack", () => {
  let w: TestStack;
  beforeAll(async () => {
    w = await startTestStack();
  });
  afterAll(async () => {
    await w?.close();
  });

  it("reports its queues' depth and counts a delivered email as a completed job", async () => {
    const url = w.stack.metricsUrl as string;
    const completed = async () =>
      sampleSum(await scrape(url), "taruvi_jobs_total", {
        app: "worker",
        queue: "email.send",
        outcome: "completed",
      });
    const before = await completed();
    const samples = await scrape(url);
    expect(samples.some((s) => s.name === "taruvi_job_queue_depth" && s.labels.queue === "email.send")).toBe(
      true,
    );
    const email = `${randomSlug("metrics")}@example.test`;
    await w.db.platform.account.create({
      data: { email, name: "Metrics", passwordHash: await hashPassword(strongPassword()) },
    });
    const asked = await w.gql("mutation ($email: String!) { requestPasswordReset(email: $email) }", {
      variables: { email },
    });
    expect(asked.json.data).toEqual({ requestPasswordReset: true });
    await waitUntil("the worker's completed-jobs counter to move", async () => (await completed()) > before);
  });
});
