import { readFileSync } from "node:fs";
import { buildSchema, lexicographicSortSchema, printSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, httpRequest, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let ownerToken: string;

beforeAll(async () => {
  t = await startTestStack({ BASE_DOMAIN: "taruvi.test" });
  world = await createWorld(t);
  ownerToken = await t.token(world.owner.id, null);
  await t.db.platform.domain.create({
    data: {
      siteId: world.siteA.id,
      hostname: "app.customer.example",
      isPrimary: true,
      status: "VERIFIED",
      verificationToken: "t",
    },
  });
});
afterAll(() => t.close());

const CURRENT_SITE = "{ currentSite { slug } }";
const gatewayPath = (path: string) => new URL(path, t.stack.gatewayUrl).toString();

describe("the gateway", () => {
  it("answers a query spanning the organizations, sites and identity subgraphs", async () => {
    const res = await t.gql(
      `{ organization(slug: "${world.organization.slug}") {
           slug viewerRole sites { slug status domains { hostname isPrimary } organization { slug } }
           members { role user { id email } } } }`,
      { token: ownerToken },
    );
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    const org = res.json.data.organization;
    expect(org.viewerRole).toBe("OWNER");
    expect(org.members).toEqual([{ role: "OWNER", user: { id: world.owner.id, email: world.owner.email } }]);
    expect(org.sites.map((s: { slug: string }) => s.slug).sort()).toEqual(
      [world.siteA.slug, world.siteB.slug].sort(),
    );
    const siteA = org.sites.find((s: { slug: string }) => s.slug === world.siteA.slug);
    expect(siteA).toEqual({
      slug: world.siteA.slug,
      status: "ACTIVE",
      domains: [{ hostname: "app.customer.example", isPrimary: true }],
      organization: { slug: world.organization.slug },
    });
  });

  it("hides an organization from a non-member (null, not an error)", async () => {
    const res = await t.gql(
      `{ organization(slug: "${world.organization.slug}") { slug } organizations { slug } }`,
      {
        token: await t.token(world.outsider.id, null),
      },
    );
    expect(res.json).toEqual({ data: { organization: null, organizations: [] } });
  });

  describe("tenant addressing", () => {
    it("1. X-Tenant header", async () => {
      const res = await t.gql(CURRENT_SITE, { tenant: world.siteA.slug, host: "localhost" });
      expect(res.json.data.currentSite).toEqual({ slug: world.siteA.slug });
    });

    it("1. X-Tenant wins over the host", async () => {
      const res = await t.gql(CURRENT_SITE, {
        tenant: world.siteB.slug,
        host: `${world.siteA.slug}.taruvi.test`,
      });
      expect(res.json.data.currentSite).toEqual({ slug: world.siteB.slug });
    });

    it("2. <slug>.<BASE_DOMAIN> host (with a port)", async () => {
      const res = await t.gql(CURRENT_SITE, { host: `${world.siteB.slug}.taruvi.test:4000` });
      expect(res.json.data.currentSite).toEqual({ slug: world.siteB.slug });
    });

    it("3. a registered custom domain", async () => {
      const res = await t.gql(CURRENT_SITE, { host: "App.Customer.Example" });
      expect(res.json.data.currentSite).toEqual({ slug: world.siteA.slug });
    });

    it.each(["taruvi.test", "localhost:4000", "127.0.0.1"])("4. the platform scope at %s", async (host) => {
      const res = await t.gql(CURRENT_SITE, { host });
      expect(res.status).toBe(200);
      expect(res.json.data.currentSite).toBeNull();
    });

    it.each([
      ["an unknown X-Tenant", { tenant: "no-such-site" }],
      ["a hostile X-Tenant", { tenant: 'a"; drop schema platform; --' }],
      ["an unknown subdomain", { host: "nobody.taruvi.test" }],
      ["an unknown host", { host: "evil.example" }],
    ])("TENANT_NOT_FOUND (404) for %s", async (_, options) => {
      const res = await t.gql(CURRENT_SITE, options);
      expect(res.status).toBe(404);
      expect(res.json.errors[0].extensions.code).toBe("TENANT_NOT_FOUND");
      expect(res.json.data).toBeUndefined();
    });

    it("TENANT_SUSPENDED (403) for a suspended or deleted site, at once after the change is announced", async () => {
      const site = await t.createSite(world.organization.id);
      expect((await t.gql(CURRENT_SITE, { tenant: site.slug })).status).toBe(200);
      for (const status of ["SUSPENDED", "DELETED"] as const) {
        await t.db.platform.site.update({ where: { id: site.id }, data: { status } });
        await t.stack.tenantChanged(site.slug);
        const res = await t.gql(CURRENT_SITE, { tenant: site.slug });
        expect(res.status).toBe(403);
        expect(res.json.errors[0].extensions.code).toBe("TENANT_SUSPENDED");
      }
      await t.db.platform.site.update({ where: { id: site.id }, data: { status: "ACTIVE" } });
      await t.stack.tenantChanged(site.slug);
      expect((await t.gql(CURRENT_SITE, { tenant: site.slug })).json.data.currentSite).toEqual({
        slug: site.slug,
      });
    });
  });

  describe("tokens and scope", () => {
    it("a token is valid only in its own scope", async () => {
      const siteToken = await t.token(world.userA, world.siteA);
      const me = await t.gql("{ me { id name } }", { tenant: world.siteA.slug, token: siteToken });
      expect(me.json.data.me).toEqual({ id: world.userA, name: "Alice of A" });
      for (const options of [{ tenant: world.siteB.slug }, {}]) {
        const res = await t.gql("{ me { id } }", { ...options, token: siteToken });
        expect(res.status).toBe(401);
        expect(res.json.errors[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
      }
      const platformAtSite = await t.gql("{ me { id } }", { tenant: world.siteA.slug, token: ownerToken });
      expect(platformAtSite.status).toBe(401);
    });

    it("refuses a garbage or non-bearer credential with 401", async () => {
      for (const authorization of ["Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer"]) {
        const res = await t.gql("{ me { id } }", { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(res.json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
      }
    });
  });

  describe("HTTP surface", () => {
    it("echoes a sane x-request-id and makes one otherwise", async () => {
      const given = await t.gql(CURRENT_SITE, { headers: { "x-request-id": "req-123" } });
      expect(given.headers["x-request-id"]).toBe("req-123");
      const made = await t.gql(CURRENT_SITE, { headers: { "x-request-id": "bad id with spaces" } });
      expect(made.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("sends security headers", async () => {
      const res = await t.gql(CURRENT_SITE);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    });

    it("serves the Sandbox page in development with a CSP that lets it load", async () => {
      const res = await httpRequest(t.stack.gatewayUrl, { method: "GET", headers: { accept: "text/html" } });
      expect(res.status).toBe(200);
      expect(res.body).toContain("embeddable-sandbox");
      expect(res.headers["content-security-policy"]).toContain(
        "https://embeddable-sandbox.cdn.apollographql.com",
      );
    });

    it("allows listed CORS origins only", async () => {
      const preflight = (origin: string) =>
        httpRequest(t.stack.gatewayUrl, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-tenant",
          },
        });
      expect((await preflight("http://localhost:5173")).headers["access-control-allow-origin"]).toBe(
        "http://localhost:5173",
      );
      expect(
        (await preflight("https://evil.example")).headers["access-control-allow-origin"],
      ).toBeUndefined();
    });

    it("refuses a simple cross-site GET (CSRF prevention)", async () => {
      const res = await httpRequest(`${t.stack.gatewayUrl}?query=${encodeURIComponent(CURRENT_SITE)}`, {
        method: "GET",
        headers: {},
      });
      expect(res.status).toBe(400);
    });

    it("serves the public API schema at /schema.graphql in development (for codegen)", async () => {
      const res = await httpRequest(gatewayPath("/schema.graphql"), { method: "GET" });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/graphql; charset=utf-8");
      // The committed API schema (`npm run compose`), its types in the gateway's (sorted) order.
      const sorted = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));
      expect(sorted(res.body)).toBe(
        sorted(readFileSync(new URL("../../supergraph/api-schema.graphql", import.meta.url), "utf8")),
      );
      const post = await httpRequest(gatewayPath("/schema.graphql"), { method: "POST" });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe("GET, HEAD");
    });

    it("reports health, readiness and the JWKS", async () => {
      expect((await httpRequest(gatewayPath("/healthz"), { method: "GET" })).json).toEqual({ status: "ok" });
      const ready = await httpRequest(gatewayPath("/readyz"), { method: "GET" });
      expect(ready.status).toBe(200);
      expect(ready.json.checks).toMatchObject({
        postgres: true,
        identity: true,
        organizations: true,
        sites: true,
        audit: true,
      });
      const jwks = await httpRequest(gatewayPath("/.well-known/jwks.json"), { method: "GET" });
      expect(jwks.json.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(jwks.json.keys[0].d).toBeUndefined();
    });
  });
});
