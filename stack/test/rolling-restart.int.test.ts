// Real processes stopped the way an orchestrator stops them: two gateway processes restarted one
// after the other (SIGTERM) behind a round-robin proxy under load, the sites subgraph as a process
// SIGKILLed and started again, then SIGTERMed with a request in flight, and the job worker
// SIGTERMed in the middle of sending an email. The other subgraphs and the database belong to an
// in-process test stack that nothing here stops.
import { randomBytes, randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { Socket } from "node:net";
import { internalContextKey, signInternalContext } from "@taruvi/auth";
import { createJobQueue, EMAIL_QUEUE, JOBS_SCHEMA } from "@taruvi/jobs";
import { SERVICES } from "@taruvi/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeldSmtp, startHeldSmtp } from "./held-smtp";
import {
  createSiteWithAdmin,
  createWorld,
  type HttpResult,
  httpRequest,
  signedIn,
  startTestStack,
  type TestStack,
} from "./helpers";
import {
  type AppProcess,
  appEnv,
  type Exit,
  freePort,
  killAllApps,
  spawnApp,
  waitUntil,
} from "./process-helpers";
import { type RoundRobinProxy, startRoundRobinProxy } from "./round-robin-proxy";

const SECRET = randomBytes(32).toString("base64url");
/** Organizations come from the in-process organizations subgraph, their sites from the sites process. */
const SPANNING = "{ organizations { slug sites { slug } } }";
const CREATE_GROUP = "mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id name } }";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>["site"];
let ownerToken: string;
let adminToken: string;
let expectedSites: string[];
let sitesPort: number;
let sites: AppProcess;
let gatewayPorts: number[];
const gateways: AppProcess[] = [];
let proxy: RoundRobinProxy | undefined;
let smtp: HeldSmtp | undefined;

const common = () => ({ ...appEnv(t, SECRET), JOB_POLLING_INTERVAL_SECONDS: "0.5" });

const startSites = () =>
  spawnApp("apps/sites/src/index.ts", {
    ...common(),
    PORT: String(sitesPort),
    DOMAIN_VERIFICATION: "off",
    // No load balancer polls a subgraph here: it stops accepting at once.
    SHUTDOWN_DELAY_MS: "0",
  });

const startGateway = (port: number) =>
  spawnApp("apps/gateway/src/index.ts", {
    ...common(),
    PORT: String(port),
    TOKEN_ISSUER: "taruvi",
    ...Object.fromEntries(
      SERVICES.map((service) => [
        service.urlVariable,
        service.name === "sites"
          ? `http://127.0.0.1:${sitesPort}/graphql`
          : (t.stack.subgraphUrls[service.name] as string),
      ]),
    ),
    RATE_LIMIT_ADDRESS_PER_MINUTE: "1000000",
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
    RATE_LIMIT_PRINCIPAL_PER_MINUTE: "1000000",
    RATE_LIMIT_TENANT_PER_MINUTE: "1000000",
    RATE_LIMIT_REJECTED_PER_MINUTE: "1000000",
    // The proxy probes /readyz every 100 ms: it has stopped routing here long before this ends.
    SHUTDOWN_DELAY_MS: "1500",
    SHUTDOWN_TIMEOUT_MS: "15000",
  });

const readyz = (port: number) => httpRequest(`http://127.0.0.1:${port}/readyz`, { method: "GET" });
const isReady = async (port: number) => (await readyz(port)).status === 200;

const gqlAt = (
  base: string,
  query: string,
  options: { token: string; tenant?: string; variables?: unknown; agent?: Agent },
) =>
  httpRequest(`${base}/graphql`, {
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${options.token}`,
      ...(options.tenant ? { "x-tenant": options.tenant } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
    ...(options.agent ? { agent: options.agent } : {}),
  });

const isWhole = (res: HttpResult) =>
  res.status === 200 &&
  res.json?.errors === undefined &&
  JSON.stringify(res.json?.data?.organizations?.[0]?.sites?.map((s: { slug: string }) => s.slug).sort()) ===
    JSON.stringify(expectedSites);

beforeAll(async () => {
  t = await startTestStack({ INTERNAL_CONTEXT_SECRET: SECRET }, { worker: false });
  world = await createWorld(t);
  const withAdmin = await createSiteWithAdmin(t, world.organization.id);
  site = withAdmin.site;
  ownerToken = await t.token(world.owner.id, null);
  adminToken = (await signedIn(t, withAdmin.admin, site.slug)).accessToken;
  expectedSites = [world.siteA.slug, world.siteB.slug, site.slug].sort();
  [sitesPort, ...gatewayPorts] = await Promise.all([freePort(), freePort(), freePort()]);
  sites = startSites();
  for (const port of gatewayPorts) gateways.push(startGateway(port));
  await Promise.all(
    gatewayPorts.map((port, i) =>
      waitUntil(`gateway ${i} ready`, () => isReady(port), 90_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${gateways[i]?.output()}\n${sites.output()}`);
      }),
    ),
  );
  proxy = await startRoundRobinProxy(gatewayPorts);
}, 150_000);

afterAll(async () => {
  await proxy?.close();
  await smtp?.close();
  await killAllApps();
  await t?.close();
});

type Outcome = { kind: "read" | "write"; status: number; problem?: string; group?: string };

describe("a rolling restart of two gateways behind a round-robin proxy, under load", () => {
  it("answers every request 200 without errors, keeps every write once, and each old gateway exits 0", async () => {
    const balancer = proxy as RoundRobinProxy;
    const base = balancer.url;
    const agent = new Agent({ keepAlive: true });
    const outcomes: Outcome[] = [];
    let stopped = false;
    let count = 0;
    const client = async () => {
      while (!stopped) {
        count += 1;
        const write = count % 3 === 0;
        const group = `rr-${randomUUID()}`;
        try {
          const res = write
            ? await gqlAt(base, CREATE_GROUP, {
                token: adminToken,
                tenant: site.slug,
                variables: { input: { name: group } },
                agent,
              })
            : await gqlAt(base, SPANNING, { token: ownerToken, agent });
          const problem =
            res.status !== 200 || res.json?.errors
              ? `${res.status} ${res.body.slice(0, 300)}`
              : !write && !isWhole(res)
                ? `partial: ${res.body.slice(0, 300)}`
                : undefined;
          outcomes.push({
            kind: write ? "write" : "read",
            status: res.status,
            ...(problem ? { problem } : {}),
            ...(write && res.json?.data?.createGroup?.name === group ? { group } : {}),
          });
        } catch (error) {
          outcomes.push({ kind: write ? "write" : "read", status: 0, problem: String(error) });
        }
      }
    };
    const served = (more: number) => {
      const target = outcomes.length + more;
      return waitUntil(`${more} more answers`, async () => outcomes.length >= target, 30_000);
    };

    const clients = Array.from({ length: 6 }, client);
    const exits: Exit[] = [];
    try {
      await served(30);
      for (const [i, port] of gatewayPorts.entries()) {
        const old = gateways[i] as AppProcess;
        exits.push(await old.stop("SIGTERM", 25_000));
        expect(old.output()).toContain("shutting down: draining");
        gateways[i] = startGateway(port);
        // As a rollout with maxUnavailable 0: the next stop waits until the proxy routes to both.
        await waitUntil(`the new gateway ${i} in the rotation`, async () => balancer.ready() === 2, 90_000);
        await served(30);
      }
    } finally {
      stopped = true;
      await Promise.all(clients);
      agent.destroy();
    }

    // Exit 0: each drained and closed within its SHUTDOWN_TIMEOUT_MS (past it, it exits 1).
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(outcomes.filter((o) => o.problem).slice(0, 5)).toEqual([]);
    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    const writes = outcomes.filter((o) => o.kind === "write");
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.every((o) => o.group)).toBe(true);
    // Every acknowledged group exists exactly once, and nothing exists that was not acknowledged.
    const { rows } = await t.db.pool.query<{ name: string; n: number }>(
      `SELECT name, count(*)::int AS n FROM "${site.schemaName}".groups WHERE name LIKE 'rr-%' GROUP BY name`,
    );
    expect(rows.every((row) => row.n === 1)).toBe(true);
    expect(rows.map((row) => row.name).sort()).toEqual(writes.map((o) => o.group).sort());
  }, 180_000);
});

describe("the sites subgraph process SIGKILLed, then started again on its port", () => {
  const at = () => `http://127.0.0.1:${gatewayPorts[0]}`;
  const alive = () => gateways.map((gateway) => gateway.pid);

  it("answers partial data with SERVICE_UNAVAILABLE while it is gone, and whole answers once it is back", async () => {
    const before = alive();
    expect(isWhole(await gqlAt(at(), SPANNING, { token: ownerToken }))).toBe(true);

    expect(await sites.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const partial = await gqlAt(at(), SPANNING, { token: ownerToken });
    expect(partial.status).toBe(200);
    expect(partial.json.data.organizations).toEqual([{ slug: world.organization.slug, sites: null }]);
    const codes = (partial.json.errors ?? []).map(
      (e: { extensions?: { code?: string } }) => e.extensions?.code,
    );
    expect(codes).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(partial.json.errors[0].message).toMatch(/\bsites\b/);
    const unready = await readyz(gatewayPorts[0] as number);
    expect(unready.status).toBe(503);
    expect(unready.json.checks).toMatchObject({
      sites: false,
      organizations: true,
      identity: true,
      postgres: true,
    });

    sites = startSites();
    await waitUntil(
      "whole answers again",
      async () => isWhole(await gqlAt(at(), SPANNING, { token: ownerToken })),
      60_000,
    );
    expect((await readyz(gatewayPorts[0] as number)).status).toBe(200);
    // Nothing else was restarted: the same gateway processes answered throughout.
    expect(alive()).toEqual(before);
    expect(gateways.every((gateway) => gateway.alive())).toBe(true);
  }, 90_000);
});

/** Whether a new TCP connection to `port` is refused (the server stopped accepting). */
const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
    socket.connect(port, "127.0.0.1");
  });

describe("the sites subgraph process SIGTERMed with a request in flight", () => {
  it("stops accepting, answers that request in full, and exits 0", async () => {
    await waitUntil("the sites process ready", () => isReady(sitesPort), 60_000);
    const body = JSON.stringify({ query: `{ site(slug: "${world.siteA.slug}") { slug } }` });
    const context = await signInternalContext(
      internalContextKey(SECRET),
      { requestId: randomUUID(), tenant: null, actor: { type: "account", id: world.owner.id } },
      { audience: "sites", body },
    );
    // Headers and half the body now, the rest once the process is stopping: provably in flight.
    const half = Math.floor(body.length / 2);
    let answered: (result: { status: number; body: string }) => void = () => undefined;
    const answer = new Promise<{ status: number; body: string }>((resolve) => {
      answered = resolve;
    });
    const req = request(
      `http://127.0.0.1:${sitesPort}/graphql`,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-taruvi-context": context,
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => answered({ status: res.statusCode ?? 0, body: text }));
      },
    );
    const failed = new Promise<never>((_, reject) => req.on("error", reject));
    req.write(body.slice(0, half));
    await new Promise((resolve) => req.once("socket", (socket) => socket.once("connect", resolve)));
    // The headers reach the server and it starts reading the body before the signal does.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const stopping = sites.stop("SIGTERM", 25_000);
    await waitUntil("the sites process to stop accepting", () => refuses(sitesPort), 15_000);
    req.end(body.slice(half));
    const res = await Promise.race([answer, failed]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { site: { slug: world.siteA.slug } } });
    expect(await stopping).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe("the worker SIGTERMed while it sends an email", () => {
  it("finishes the job in hand before it exits 0: the email is delivered once, the job completed", async () => {
    smtp = await startHeldSmtp();
    const worker = spawnApp("apps/worker/src/index.ts", { ...common(), SMTP_URL: smtp.url });
    await waitUntil("the worker running", async () => worker.output().includes("worker running"), 60_000);

    const subject = `held ${randomUUID()}`;
    const queue = await createJobQueue({ databaseUrl: t.db.url });
    try {
      await queue.sendEmail({ to: "someone@example.test", subject, text: "hello" });
    } finally {
      await queue.close();
    }
    const job = async () =>
      (
        await t.db.pool.query<{ state: string }>(
          `SELECT state FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND data->>'subject' = $2`,
          [EMAIL_QUEUE, subject],
        )
      ).rows.map((row) => row.state);
    await waitUntil("the message held at the SMTP server", async () => smtp?.held() === 1, 30_000);

    const stopping = worker.stop("SIGTERM", 40_000);
    await waitUntil("the worker stopping", async () => worker.output().includes("shutting down"), 10_000);
    expect(await job()).toEqual(["active"]);
    smtp.release();
    expect(await stopping).toEqual({ code: 0, signal: null });
    expect(smtp.accepted().filter((message) => message.includes(subject))).toHaveLength(1);
    expect(await job()).toEqual(["completed"]);
  }, 90_000);
});
