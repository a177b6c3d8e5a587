import { Writable } from "node:stream";
import { type OwnRedis, startOwnRedis } from "@taruvi/testing";
import { Redis } from "ioredis";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createSiteWithAdmin,
  createWorld,
  httpRequest,
  signedIn,
  signInAt,
  startPeerStack,
  startTestStack,
  type TestStack,
} from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let token: string;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  token = await t.token(world.owner.id, null);
});

afterAll(async () => {
  await t?.close();
});

/** Organizations come from the organizations subgraph, their sites from the sites subgraph. */
const SPANNING = "{ organizations { slug sites { slug } } }";

const probe = (path: "/healthz" | "/readyz") =>
  httpRequest(new URL(path, t.stack.gatewayUrl).toString(), { method: "GET" });

const expectWhole = async () => {
  const res = await t.gql(SPANNING, { token });
  expect(res.status).toBe(200);
  expect(res.json.errors).toBeUndefined();
  expect(res.json.data.organizations).toHaveLength(1);
  const [organization] = res.json.data.organizations;
  expect(organization.slug).toBe(world.organization.slug);
  expect(organization.sites.map((s: { slug: string }) => s.slug).sort()).toEqual(
    [world.siteA.slug, world.siteB.slug].sort(),
  );
};

describe("a subgraph outage", () => {
  it("before: the spanning query resolves whole and the gateway is ready", async () => {
    await expectWhole();
    const ready = await probe("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json.checks.sites).toBe(true);
  });

  describe("while sites is stopped", () => {
    beforeAll(async () => {
      await t.stack.stopSubgraph("sites");
    });

    it("the sites part is one SERVICE_UNAVAILABLE error naming the sites service", async () => {
      const res = await t.gql(SPANNING, { token });
      expect(res.status).toBe(200);
      const errors: { message: string; extensions?: { code?: string } }[] = res.json.errors ?? [];
      const unavailable = errors.filter((e) => e.extensions?.code === "SERVICE_UNAVAILABLE");
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]?.message).toMatch(/\bsites\b/);
      // No internals leak: no socket error, address or port of the stopped subgraph.
      expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|fetch failed/);
    });

    it("the organizations part of the same query still answers (sites null)", async () => {
      const res = await t.gql(SPANNING, { token });
      expect(res.status).toBe(200);
      expect(res.json.data?.organizations?.[0]?.slug).toBe(world.organization.slug);
      expect(res.json.data.organizations).toEqual([{ slug: world.organization.slug, sites: null }]);
    });

    it("a query needing only organizations is unaffected", async () => {
      const res = await t.gql("{ organizations { slug } }", { token });
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.organizations).toEqual([{ slug: world.organization.slug }]);
    });

    it("/healthz stays 200 (the gateway process is alive)", async () => {
      const health = await probe("/healthz");
      expect(health.status).toBe(200);
    });

    it("/readyz is 503 and names sites as the failed check", async () => {
      const ready = await probe("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.json.checks.sites).toBe(false);
      expect(ready.json.checks.identity).toBe(true);
      expect(ready.json.checks.organizations).toBe(true);
      expect(ready.json.checks.postgres).toBe(true);
    });
  });

  describe("after sites is started again", () => {
    beforeAll(async () => {
      await t.stack.startSubgraph("sites");
    });

    it("the spanning query resolves whole again", async () => {
      await expectWhole();
    });

    it("/readyz is 200 again", async () => {
      const ready = await probe("/readyz");
      expect(ready.status).toBe(200);
      expect(ready.json.checks.sites).toBe(true);
    });
  });
});

describe("a Redis outage (the test's own redis-server, killed and restarted)", () => {
  const PRINCIPAL_PER_MINUTE = 8;
  const env = { RATE_LIMIT_PRINCIPAL_PER_MINUTE: String(PRINCIPAL_PER_MINUTE), RATE_LIMIT_BURST: "0" };
  const ME = "{ me { id email } }";
  const SIGN_OUT = "mutation { signOut }";
  let redis: OwnRedis;
  let one: TestStack;
  let two: TestStack;
  let site: Awaited<ReturnType<typeof createSiteWithAdmin>>;
  let ownerToken: string;
  /** Every log line of both stacks, parsed. */
  const lines: { msg?: string; level?: number }[] = [];
  const logs = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const said = (message: string) => lines.filter((line) => line.msg?.startsWith(message)).length;
  const consoleErrors = vi.spyOn(console, "error");
  const ioredisComplaints = () =>
    consoleErrors.mock.calls.filter((call) => String(call[0]).includes("[ioredis]")).length;
  const readyz = (at: TestStack) =>
    httpRequest(new URL("/readyz", at.stack.gatewayUrl).toString(), { method: "GET" });
  const eventually = async (check: () => Promise<boolean>, withinMs: number) => {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > withinMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
    one = await startTestStack(env, { redisUrl: redis.url, logDestination: logs, logLevel: "info" });
    two = await startPeerStack(one, env, { logDestination: logs, logLevel: "info" });
    const world = await createWorld(one);
    site = await createSiteWithAdmin(one, world.organization.id);
    ownerToken = await one.token(world.owner.id, null);
  });

  afterAll(async () => {
    consoleErrors.mockRestore();
    await two?.close();
    await one?.close();
    await redis?.stop();
  });

  it("before: /readyz is ready with redis up", async () => {
    const ready = await readyz(one);
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: "ready", checks: { redis: true, postgres: true } });
  });

  describe("while Redis is down", () => {
    let session: Awaited<ReturnType<typeof signedIn>>;
    let apiKey: { key: string; id: string };
    const USERS = "{ users { edges { node { id } } } }";
    const withKey = (at: TestStack) =>
      at.gql(USERS, { tenant: site.site.slug, headers: { authorization: `ApiKey ${apiKey.key}` } });

    beforeAll(async () => {
      // Signed in and verified at the second gateway while Redis is up (its cache holds it).
      session = await signedIn(one, site.admin, site.site.slug);
      expect((await two.gql(ME, { tenant: site.site.slug, token: session.accessToken })).status).toBe(200);
      const created = await one.gql(
        "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }",
        {
          tenant: site.site.slug,
          token: session.accessToken,
          variables: { input: { name: "outage", scopes: ["users.view"] } },
        },
      );
      apiKey = { key: created.json.data.createApiKey.key, id: created.json.data.createApiKey.apiKey.id };
      expect((await withKey(two)).status).toBe(200);
      await redis.stop();
    });

    it("/readyz answers 200 degraded, naming redis", async () => {
      const degraded = await eventually(async () => (await readyz(one)).json?.status === "degraded", 5_000);
      expect(degraded).toBe(true);
      const ready = await readyz(one);
      expect(ready.status).toBe(200);
      expect(ready.json.checks).toMatchObject({ redis: false, postgres: true, identity: true });
    });

    it("sign-in through either gateway still works (200, tokens)", async () => {
      for (const at of [one, two]) {
        const res = await signInAt(at, site.admin, site.site.slug);
        expect(res.status).toBe(200);
        expect(res.json.errors).toBeUndefined();
        expect(res.json.data.signIn.accessToken).toEqual(expect.any(String));
      }
    });

    it("rate limits still answer 429 with headers, from the per-process fallback", async () => {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof one.gql>> | undefined;
      for (let i = 0; i <= PRINCIPAL_PER_MINUTE; i += 1) {
        last = await one.gql("{ organizations { slug } }", { token: ownerToken });
        statuses.push(last.status);
      }
      expect(statuses.slice(0, PRINCIPAL_PER_MINUTE).every((status) => status === 200)).toBe(true);
      expect(last?.status).toBe(429);
      expect(last?.json.errors[0].extensions.code).toBe("RATE_LIMITED");
      expect(Number(last?.headers["retry-after"])).toBeGreaterThan(0);
      expect(last?.headers["ratelimit-limit"]).toBe(String(PRINCIPAL_PER_MINUTE));
      expect(last?.headers["ratelimit-remaining"]).toBe("0");
    });

    it("an API key revoked at one gateway is refused at once by the other", async () => {
      const res = await one.gql("mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", {
        tenant: site.site.slug,
        token: session.accessToken,
        variables: { id: apiKey.id },
      });
      expect(res.json.data.revokeApiKey.revokedAt).toEqual(expect.any(String));
      expect((await withKey(two)).status).toBe(401);
      expect((await withKey(one)).status).toBe(401);
    });

    it("a sign-out is accepted (stored in PostgreSQL: the refresh token is dead at once)", async () => {
      const res = await one.gql(SIGN_OUT, { tenant: site.site.slug, token: session.accessToken });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ data: { signOut: true } });
    });

    it("the outage is logged once, not per attempt or per connection", async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(said("redis unavailable")).toBeGreaterThanOrEqual(1);
      expect(said("redis unavailable")).toBeLessThanOrEqual(2);
      expect(ioredisComplaints()).toBe(0);
    });
  });

  describe("a sign-out while Redis is down, then Redis back on the same port", () => {
    let signedOut: Awaited<ReturnType<typeof signedIn>>;
    const meAt = async (at: TestStack) =>
      (await at.gql(ME, { tenant: site.site.slug, token: signedOut.accessToken })).status;

    beforeAll(async () => {
      // Signed in during the outage and verified (cached) at the second gateway.
      signedOut = await signedIn(one, site.admin, site.site.slug);
      expect(await meAt(two)).toBe(200);
    });

    it("is honoured at once by the other gateway (the session rows in PostgreSQL decide)", async () => {
      const res = await one.gql(SIGN_OUT, { tenant: site.site.slug, token: signedOut.accessToken });
      expect(res.json).toEqual({ data: { signOut: true } });
      expect(await meAt(two)).toBe(401);
      expect(await meAt(one)).toBe(401);
    });

    it("is published when Redis returns: still denied once the gateways read their lists again", async () => {
      await redis.start();
      const back = await eventually(async () => (await readyz(two)).json?.status === "ready", 5_000);
      expect(back).toBe(true);
      // The list is current again (PostgreSQL no longer asked): the denial now comes from it.
      expect(await meAt(two)).toBe(401);
      // A gateway started now loads it from Redis.
      const three = await startPeerStack(one, env);
      try {
        expect(await meAt(three)).toBe(401);
      } finally {
        await three.close();
      }
    });

    it("/readyz is ready again and the recovery is logged once", async () => {
      const ready = await eventually(async () => (await readyz(one)).json?.status === "ready", 5_000);
      expect(ready).toBe(true);
      expect((await readyz(two)).json).toMatchObject({ status: "ready", checks: { redis: true } });
      expect(said("redis available again")).toBeGreaterThanOrEqual(1);
      expect(said("redis available again")).toBeLessThanOrEqual(2);
      expect(said("redis unavailable")).toBeLessThanOrEqual(2);
      expect(ioredisComplaints()).toBe(0);
    });
  });

  describe("a sign-out accepted by a replica that stops before Redis returns", () => {
    let sessionId: string;
    let signedOut: Awaited<ReturnType<typeof signedIn>>;
    const pendingKeys = async () =>
      (await one.db.pool.query("SELECT key FROM platform.pending_revocations")).rows.map((row) => row.key);

    beforeAll(async () => {
      signedOut = await signedIn(one, site.admin, site.site.slug);
      sessionId = String(decodeJwt(signedOut.accessToken).sid);
      await redis.stop();
      // The replica signs the session out, then goes away (a rolling restart) while Redis is down.
      const replica = await startPeerStack(one, env);
      try {
        const res = await replica.gql(SIGN_OUT, { tenant: site.site.slug, token: signedOut.accessToken });
        expect(res.json).toEqual({ data: { signOut: true } });
      } finally {
        await replica.close();
      }
    });

    it("waits in PostgreSQL (platform.pending_revocations), not in the stopped process", async () => {
      expect(await pendingKeys()).toEqual([`session:${sessionId}`]);
    });

    it("is published by another replica when Redis returns, and leaves the outbox", async () => {
      await redis.start();
      const check = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await check.connect();
        const published = await eventually(
          async () => (await check.exists(`taruvi:revoked:session:${sessionId}`)) === 1,
          5_000,
        );
        expect(published).toBe(true);
      } finally {
        check.disconnect();
      }
      expect(await eventually(async () => (await pendingKeys()).length === 0, 5_000)).toBe(true);
    });

    it("a gateway started afterwards refuses the session's access token", async () => {
      const later = await startPeerStack(one, env);
      try {
        const res = await later.gql(ME, { tenant: site.site.slug, token: signedOut.accessToken });
        expect(res.status).toBe(401);
      } finally {
        await later.close();
      }
    });
  });
});

describe("a database stuck on a lock (statement timeout 500 ms)", () => {
  let stuck: TestStack;
  let world: Awaited<ReturnType<typeof createWorld>>;
  let ownerToken: string;

  beforeAll(async () => {
    stuck = await startTestStack({ DB_STATEMENT_TIMEOUT_MS: "500" });
    world = await createWorld(stuck);
    ownerToken = await stuck.token(world.owner.id, null);
  });

  afterAll(async () => {
    await stuck?.close();
  });

  /** Runs `during` while another session holds an exclusive lock on `table`. */
  const whileLocked = async (table: string, during: () => Promise<void>) => {
    const client = await stuck.db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      await during();
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  };

  it("the gateway's own lookup (the site) answers 503 SERVICE_UNAVAILABLE with Retry-After, in time", async () => {
    await whileLocked("platform.sites", async () => {
      const started = Date.now();
      const res = await stuck.gql("{ currentSite { slug } }", { tenant: world.siteA.slug });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(503);
      expect(res.json.errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(res.body).not.toMatch(/statement timeout|platform\.sites/);
    });
  });

  it("a subgraph's query (organizations) answers 503 SERVICE_UNAVAILABLE with Retry-After", async () => {
    await whileLocked("platform.organizations", async () => {
      const res = await stuck.gql("{ organizations { slug } }", { token: ownerToken });
      expect(res.status).toBe(503);
      expect(res.json.errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    });
  });

  it("once the lock is gone the gateway answers again", async () => {
    const res = await stuck.gql("{ organizations { slug } }", { token: ownerToken });
    expect(res.status).toBe(200);
    expect(res.json.data.organizations).toEqual([{ slug: world.organization.slug }]);
  });
});
