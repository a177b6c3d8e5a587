// Traces under `npm start`: every app in one process (one service.name), each span naming its app
// in `taruvi.app`; a job handled by the worker continues the trace of the request that queued
// it, and a scheduled job is a trace of its own. Real process (the preload does not run in
// Vitest workers): stack/test/one-process-entry.ts, started with the tracing preload.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest } from "./helpers";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver";
import { type AppProcess, appEnv, killAllApps, spawnApp, waitUntil } from "./process-helpers";

const SPAN_KIND_SERVER = 2;

let db: TestDatabase;
let dataDir: string;
let receiver: OtlpReceiver;
let stack: AppProcess;
let gatewayUrl: string;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  dataDir = mkdtempSync(join(tmpdir(), "taruvi-one-process-"));
  receiver = await startOtlpReceiver();
  stack = spawnApp(
    "stack/test/one-process-entry.ts",
    {
      ...appEnv({ db, dataDir }, "one-process-internal-context-secret-0123456789"),
      METRICS_PORT: "off",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "taruvi",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
    ["./packages/telemetry/src/register.ts"],
  );
  await waitUntil("the stack serving", async () => stack.output().includes('"gatewayUrl"'), 120_000).catch(
    (error: Error) => {
      throw new Error(`${error.message}\n${stack.output()}`);
    },
  );
  const line = stack
    .output()
    .split("\n")
    .find((text) => text.startsWith('{"gatewayUrl"'));
  gatewayUrl = (JSON.parse(line ?? "{}") as { gatewayUrl: string }).gatewayUrl;
}, 150_000);

afterAll(async () => {
  await killAllApps();
  await receiver?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const sqlOf = (spans: ReceivedSpan[]) =>
  spans.filter((span) => span.attributes["db.system.name"] !== undefined || span.attributes["db.system"]);

describe("traces under npm start (one process)", () => {
  it("names each span's app, and the email job continues the trace of the request that queued it", async () => {
    const email = `${randomSlug("one")}@example.test`;
    await db.platform.account.create({ data: { email, name: "One Process" } });
    const res = await httpRequest(`${gatewayUrl}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "mutation OneProcessReset($email: String!) { requestPasswordReset(email: $email) }",
        variables: { email },
      }),
    });
    expect(res.status, res.body).toBe(200);
    expect(res.json?.errors, res.body).toBeUndefined();

    const root = () =>
      receiver.spans.find(
        (span) =>
          span.kind === SPAN_KIND_SERVER && span.attributes["graphql.operation.name"] === "OneProcessReset",
      );
    const job = () =>
      receiver.spans.find((span) => span.name === "job email.send" && span.traceId === root()?.traceId);
    await waitUntil("the request's trace and its email job", async () => job() !== undefined, 30_000);
    const trace = receiver.spans.filter((span) => span.traceId === root()?.traceId);

    // One process, one service name; the app of each span in taruvi.app.
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(["taruvi"]));
    expect(root()?.attributes["taruvi.app"]).toBe("gateway");
    const identityServer = trace.find(
      (span) => span.kind === SPAN_KIND_SERVER && span.attributes["taruvi.app"] === "identity",
    );
    expect(
      identityServer,
      JSON.stringify(trace.map((s) => [s.name, s.attributes["taruvi.app"]])),
    ).toBeDefined();
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    expect(byId.get(identityServer?.parentSpanId ?? "")?.name).toBe("gateway.fetch");
    // The request's SQL is identity's; the job's (and its SQL) the worker's.
    const jobSpan = job() as ReceivedSpan;
    const underJob = (span: ReceivedSpan): boolean => {
      const parent = byId.get(span.parentSpanId ?? "");
      return parent !== undefined && (parent.spanId === jobSpan.spanId || underJob(parent));
    };
    expect(jobSpan.attributes["taruvi.app"]).toBe("worker");
    for (const span of trace.filter(underJob)) expect(span.attributes["taruvi.app"]).toBe("worker");
    const requestSql = sqlOf(trace).filter((span) => !underJob(span));
    expect(requestSql.length).toBeGreaterThan(0);
    for (const span of requestSql) expect(span.attributes["taruvi.app"]).toBe("identity");
  });

  it("traces a scheduled job as a trace of its own, attributed to the worker, over its SQL", async () => {
    process.kill(stack.pid, "SIGUSR2");
    const job = () => receiver.spans.find((span) => span.name === "job invitations.expire");
    await waitUntil(
      "the scheduled job's SQL",
      async () => sqlOf(receiver.spans).some((span) => span.traceId === job()?.traceId),
      30_000,
    );
    const span = job() as ReceivedSpan;
    expect(span.parentSpanId).toBeUndefined();
    expect(span.attributes["taruvi.app"]).toBe("worker");
    for (const sql of sqlOf(receiver.spans).filter((s) => s.traceId === span.traceId)) {
      expect(sql.attributes["taruvi.app"]).toBe("worker");
    }
  });
});
