import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, httpRequest, startTestStack, type TestStack } from "./helpers";

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
