// Traces from real processes (Vitest workers do not run `--import` preloads): a gateway and the
// organizations subgraph, each started with the tracing preload and exporting to an OTLP/HTTP
// receiver in this test; the other subgraphs and the database belong to an in-process test
// stack that is not traced. One request must come back as one trace from the gateway through
// the subgraph to its SQL, with nothing secret in any span, and its log lines joined to it.
import { randomBytes } from "node:crypto";
import { hashPassword } from "@taruvi/auth";
import { SERVICES } from "@taruvi/registry";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpResult, httpRequest, startTestStack, strongPassword, type TestStack } from "./helpers";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver";
import { type AppProcess, appEnv, freePort, killAllApps, spawnApp, waitUntil } from "./process-helpers";

const SECRET = randomBytes(32).toString("base64url");
const PRELOAD = "./packages/telemetry/src/register.ts";
const SPAN_KIND_SERVER = 2;

let t: TestStack;
let receiver: OtlpReceiver;
let organizations: AppProcess;
let gateway: AppProcess;
let trustingGateway: AppProcess;
const ports = { organizations: 0, gateway: 0, trusting: 0 };

const common = () => ({
  ...appEnv(t, SECRET),
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_BSP_SCHEDULE_DELAY: "100",
});

const startGateway = (port: number, trustTraceparent: boolean) =>
  spawnApp(
    "apps/gateway/src/index.ts",
    {
      ...common(),
      PORT: String(port),
      TOKEN_ISSUER: "taruvi",
      TRUST_TRACEPARENT: String(trustTraceparent),
      ...Object.fromEntries(
        SERVICES.map((service) => [
          service.urlVariable,
          service.name === "organizations"
            ? `http://127.0.0.1:${ports.organizations}/graphql`
            : (t.stack.subgraphUrls[service.name] as string),
        ]),
      ),
    },
    [PRELOAD],
  );

const gql = (
  port: number,
  query: string,
  options: { variables?: unknown; headers?: Record<string, string> },
) =>
  httpRequest(`http://127.0.0.1:${port}/graphql`, {
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify({ query, variables: options.variables }),
  });

/** The spans received so far of the trace in which the gateway named its operation `operationName`. */
const traceOf = (operationName: string): ReceivedSpan[] => {
  const root = receiver.spans.find(
    (span) => span.service === "gateway" && span.attributes["graphql.operation.name"] === operationName,
  );
  return root ? receiver.spans.filter((span) => span.traceId === root.traceId) : [];
};

const isDbSpan = (span: ReceivedSpan) =>
  span.attributes["db.system.name"] !== undefined || span.attributes["db.system"] !== undefined;

/**
 * Waits until the trace of `operationName` is whole: the gateway's server span, SQL of the
 * organizations subgraph, and every span's parent (each process exports on its own schedule).
 */
const completeTrace = async (operationName: string) => {
  await waitUntil(`the trace of ${operationName}`, async () => {
    const spans = traceOf(operationName);
    const ids = new Set(spans.map((span) => span.spanId));
    const isGatewayServer = (span: ReceivedSpan) =>
      span.service === "gateway" && span.kind === SPAN_KIND_SERVER;
    return (
      spans.some(isGatewayServer) &&
      spans.some((span) => span.service === "organizations" && isDbSpan(span)) &&
      // The gateway's server span may have a remote parent: a trusted client's.
      spans.every(
        (span) => span.parentSpanId === undefined || ids.has(span.parentSpanId) || isGatewayServer(span),
      )
    );
  });
  return traceOf(operationName);
};

const expectOk = (res: HttpResult) => {
  expect(res.status, res.body).toBe(200);
  expect(res.json?.errors, res.body).toBeUndefined();
};

beforeAll(async () => {
  t = await startTestStack({ INTERNAL_CONTEXT_SECRET: SECRET }, { worker: false });
  receiver = await startOtlpReceiver();
  [ports.organizations, ports.gateway, ports.trusting] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  organizations = spawnApp(
    "apps/organizations/src/index.ts",
    { ...common(), PORT: String(ports.organizations), SHUTDOWN_DELAY_MS: "0" },
    [PRELOAD],
  );
  gateway = startGateway(ports.gateway, false);
  trustingGateway = startGateway(ports.trusting, true);
  await Promise.all(
    [
      [gateway, ports.gateway],
      [trustingGateway, ports.trusting],
    ].map(([app, port]) =>
      waitUntil(
        "a traced gateway ready",
        async () => (await httpRequest(`http://127.0.0.1:${port}/readyz`, { method: "GET" })).status === 200,
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${(app as AppProcess).output()}\n${organizations.output()}`);
      }),
    ),
  );
}, 150_000);

afterAll(async () => {
  await killAllApps();
  await receiver?.close();
  await t?.close();
});

describe("traces from the gateway to SQL", () => {
  it("makes one request one trace (gateway → subgraph → SQL once per statement), secret-free, its logs joined", async () => {
    const credentials = { email: `${randomSlug("trace")}@example.test`, password: strongPassword() };
    await t.db.platform.account.create({
      data: {
        email: credentials.email,
        name: "Traced",
        passwordHash: await hashPassword(credentials.password),
      },
    });
    const signIn = await gql(
      ports.gateway,
      "mutation TracedSignIn($input: SignInInput!) { signIn(input: $input) { accessToken } }",
      {
        variables: { input: credentials },
      },
    );
    expectOk(signIn);
    const token = signIn.json.data.signIn.accessToken as string;

    const clientTrace = randomBytes(16).toString("hex");
    const slug = randomSlug("traced");
    const created = await gql(
      ports.gateway,
      "mutation TracedCreate($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug } }",
      {
        variables: { input: { name: "Traced Org", slug } },
        headers: {
          authorization: `Bearer ${token}`,
          traceparent: `00-${clientTrace}-${randomBytes(8).toString("hex")}-01`,
        },
      },
    );
    expectOk(created);

    const trace = await completeTrace("TracedCreate");
    const traceId = trace[0]?.traceId as string;
    // Not the client's trace: TRUST_TRACEPARENT is off, so the gateway's server span is a root.
    expect(traceId).not.toBe(clientTrace);
    const gatewayServer = trace.find((span) => span.service === "gateway" && span.kind === SPAN_KIND_SERVER);
    expect(gatewayServer?.parentSpanId).toBeUndefined();
    expect(gatewayServer?.attributes).toMatchObject({
      "taruvi.app": "gateway",
      "graphql.operation.name": "TracedCreate",
      "taruvi.principal.type": "account",
    });
    // The gateway's own steps, then the subgraph fetch continued by the subgraph's server span.
    const names = trace.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining(["gateway.request", "gateway.validate", "gateway.plan", "gateway.fetch"]),
    );
    const subgraphServer = trace.find(
      (span) => span.service === "organizations" && span.kind === SPAN_KIND_SERVER,
    );
    const fetchSpan = trace.find((span) => span.spanId === subgraphServer?.parentSpanId);
    expect(fetchSpan?.service).toBe("gateway");
    const operation = trace.find((span) => span.name === "graphql.operation organizations");
    expect(operation?.parentSpanId).toBe(subgraphServer?.spanId);
    expect(operation?.attributes["taruvi.principal.type"]).toBe("account");
    // SQL: spans of the pg instrumentation only, none nested in another (one span per statement).
    const sql = trace.filter(isDbSpan);
    expect(sql.length).toBeGreaterThan(0);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    for (const span of sql) {
      expect(span.scope).toBe("@opentelemetry/instrumentation-pg");
      const parent = byId.get(span.parentSpanId ?? "");
      expect(parent && isDbSpan(parent)).toBe(false);
    }
    expect(
      sql.some(
        (span) =>
          span.service === "organizations" &&
          String(span.attributes["db.query.text"] ?? span.attributes["db.statement"]).includes("INSERT"),
      ),
    ).toBe(true);
    for (const span of trace) expect(span.attributes["taruvi.app"]).toBe(span.service);

    // The subgraph's log line of this request carries its trace id.
    await waitUntil("the organization created log line", async () =>
      organizations.output().includes("organization created"),
    );
    const line = organizations
      .output()
      .split("\n")
      .find((text) => text.includes('"organization created"'));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ trace_id: traceId, msg: "organization created" });

    // Nothing exported holds the bearer token or the password (the sign-in's variables).
    await waitUntil("the sign-in's spans", async () =>
      receiver.spans.some((span) => span.attributes["graphql.operation.name"] === "TracedSignIn"),
    );
    const exported = receiver.bodies.join("\n");
    expect(exported).not.toContain(token);
    expect(exported).not.toContain(credentials.password);
  });

  it("continues a client's traceparent only where TRUST_TRACEPARENT allows it", async () => {
    const clientTrace = randomBytes(16).toString("hex");
    const clientSpan = randomBytes(8).toString("hex");
    const account = await t.db.platform.account.create({
      data: { email: `${randomSlug("trace")}@example.test`, name: "Traced" },
    });
    const res = await gql(ports.trusting, "query TrustedList { organizations { slug } }", {
      headers: {
        authorization: `Bearer ${await t.token(account.id, null)}`,
        traceparent: `00-${clientTrace}-${clientSpan}-01`,
      },
    });
    expectOk(res);
    const trace = await completeTrace("TrustedList");
    const gatewayServer = trace.find((span) => span.service === "gateway" && span.kind === SPAN_KIND_SERVER);
    expect(gatewayServer).toMatchObject({ traceId: clientTrace, parentSpanId: clientSpan });
  });
});
