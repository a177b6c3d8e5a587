import { randomUUID } from "node:crypto";
import { type InternalContext, internalContextKey, requestDigest, signInternalContext } from "@taruvi/auth";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type HttpResult, httpRequest, startTestStack, type TestStack } from "./helpers";

/** The constant development secret earlier versions signed with under `npm start` and in tests. */
const PUBLIC_CONSTANT = "taruvi-development-internal-context-secret-do-not-use-in-production";
const ISSUER = "taruvi-gateway";
/** The stack's own secret: random for this run (startStack makes one when none is given). */
const secret = () => t.stack.internalContextSecret;
const key = () => internalContextKey(secret());

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  // Alice may see site A's users: what stands between her and site B's is the tenant boundary,
  // not a missing permission (without users.view, user(id) of anyone else is FORBIDDEN).
  await t.db.pool.query(
    `INSERT INTO "${world.siteA.schemaName}".permission_grants (permission, principal_type, user_id)
     VALUES ('users.view', 'USER', $1)`,
    [world.userA],
  );
});

afterAll(async () => {
  await t?.close();
});

const siteRef = (site: { id: string; slug: string; schemaName: string }) => ({
  siteId: site.id,
  slug: site.slug,
  schema: site.schemaName,
});

/** A context as a caller holding Alice's session in site A would get it from the gateway. */
const contextOfAlice = (): InternalContext => ({
  requestId: randomUUID(),
  tenant: siteRef(world.siteA),
  actor: { type: "user", id: world.userA },
  client: { ip: "127.0.0.1", userAgent: "test" },
});

/** The exact body `direct` sends for an operation (a context is signed for these bytes). */
const bodyOf = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });

/** Signs exactly the claims given: any secret, audience, body, issue and expiry times (seconds). */
const craft = (
  context: InternalContext,
  {
    secret: with_ = secret(),
    audience,
    iat,
    exp,
    body = bodyOf(USER, { id: world.userA }),
  }: { secret?: string; audience: string; iat: number; exp: number; body?: string },
) =>
  new SignJWT({
    tenant: context.tenant,
    actor: context.actor,
    rid: context.requestId,
    bdh: requestDigest(body),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(with_));

const now = () => Math.floor(Date.now() / 1000);

/** POSTs an operation straight to a subgraph, with `context` as x-taruvi-context when given. */
const direct = (url: string, query: string, context?: string, variables?: Record<string, unknown>) =>
  httpRequest(url, {
    headers: {
      "content-type": "application/json",
      ...(context ? { "x-taruvi-context": context } : {}),
    },
    body: bodyOf(query, variables),
  });

const USER = "query ($id: ID!) { user(id: $id) { id name email } }";
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id name } } }`;
const CURRENT_SITE = "{ currentSite { id slug name } }";

/** What every refusal looks like: 401, UNAUTHENTICATED, and nothing executed. */
const expectRefused = (res: HttpResult) => {
  expect(res.status).toBe(401);
  expect(res.json?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  expect(res.json).not.toHaveProperty("data");
  // The refusal says nothing about why (no claim, key or expiry detail for a prober).
  expect(res.body).not.toMatch(/expired|signature|claim|aud|secret/i);
};

describe("a subgraph reached directly", () => {
  describe("without a context", () => {
    it("identity refuses with 401 and runs nothing", async () => {
      const res = await direct(t.stack.subgraphUrls.identity, USER, undefined, { id: world.userA });
      expectRefused(res);
      expect(res.body).not.toContain("Alice");
    });

    it("sites refuses with 401 and runs nothing", async () => {
      const res = await direct(t.stack.subgraphUrls.sites, CURRENT_SITE);
      expectRefused(res);
      expect(res.body).not.toContain(world.siteA.slug);
    });

    it("refuses federation's entry points too (_service, _entities)", async () => {
      const sdl = await direct(t.stack.subgraphUrls.identity, "{ _service { sdl } }");
      expectRefused(sdl);
      const entities = await direct(t.stack.subgraphUrls.identity, ENTITIES, undefined, {
        reps: [{ __typename: "User", id: world.userA }],
      });
      expectRefused(entities);
      expect(entities.body).not.toContain("Alice");
    });

    it("refuses an empty or garbage header", async () => {
      expectRefused(await direct(t.stack.subgraphUrls.identity, USER, "", { id: world.userA }));
      expectRefused(await direct(t.stack.subgraphUrls.identity, USER, "not-a-jwt", { id: world.userA }));
    });
  });

  it("refuses a context signed with another secret (forged)", async () => {
    const forged = await craft(contextOfAlice(), {
      secret: "an-attacker-chosen-secret-that-is-long-enough-for-hs256",
      audience: "identity",
      iat: now(),
      exp: now() + 30,
    });
    const res = await direct(t.stack.subgraphUrls.identity, USER, forged, { id: world.userA });
    expectRefused(res);
    expect(res.body).not.toContain("Alice");

    const forSites = await craft(contextOfAlice(), {
      secret: "an-attacker-chosen-secret-that-is-long-enough-for-hs256",
      audience: "sites",
      iat: now(),
      exp: now() + 30,
      body: bodyOf(CURRENT_SITE),
    });
    expectRefused(await direct(t.stack.subgraphUrls.sites, CURRENT_SITE, forSites));
  });

  it("refuses an unsigned (alg none) context", async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const ctx = contextOfAlice();
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({
      iss: ISSUER,
      aud: "identity",
      iat: now(),
      exp: now() + 30,
      tenant: ctx.tenant,
      actor: ctx.actor,
      rid: ctx.requestId,
    })}.`;
    expectRefused(await direct(t.stack.subgraphUrls.identity, USER, unsigned, { id: world.userA }));
  });

  it("refuses an expired context signed with the right secret", async () => {
    const expired = await craft(contextOfAlice(), { audience: "identity", iat: now() - 90, exp: now() - 30 });
    const res = await direct(t.stack.subgraphUrls.identity, USER, expired, { id: world.userA });
    expectRefused(res);
    expect(res.body).not.toContain("Alice");
  });

  it("answers a context signed as the gateway signs, arriving a few seconds late, with 503 and Retry-After", async () => {
    // The gateway signs 5 s lives; 8 s after signing means a stalled platform, not an unknown caller.
    const late = await craft(contextOfAlice(), { audience: "identity", iat: now() - 8, exp: now() - 3 });
    const res = await direct(t.stack.subgraphUrls.identity, USER, late, { id: world.userA });
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json?.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
    expect(res.json).not.toHaveProperty("data");
    expect(res.body).not.toContain("Alice");
  });

  it("refuses a still-unexpired context issued more than 10 s ago (a replayed long-lived one)", async () => {
    const old = await craft(contextOfAlice(), { audience: "identity", iat: now() - 12, exp: now() + 3600 });
    expectRefused(await direct(t.stack.subgraphUrls.identity, USER, old, { id: world.userA }));
  });

  it("refuses a captured context replayed with another body (another query, or other variables)", async () => {
    const captured = await signInternalContext(key(), contextOfAlice(), {
      audience: "identity",
      body: bodyOf(USER, { id: world.userA }),
    });
    expect((await direct(t.stack.subgraphUrls.identity, USER, captured, { id: world.userA })).status).toBe(
      200,
    );
    const otherVariables = await direct(t.stack.subgraphUrls.identity, USER, captured, { id: world.userB });
    expectRefused(otherVariables);
    const otherQuery = await direct(
      t.stack.subgraphUrls.identity,
      "{ users(first: 50) { edges { node { email } } } }",
      captured,
    );
    expectRefused(otherQuery);
  });

  it("refuses a context signed with the public development constant: the stack signs with its own secret", async () => {
    const withConstant = await craft(contextOfAlice(), {
      secret: PUBLIC_CONSTANT,
      audience: "identity",
      iat: now(),
      exp: now() + 5,
    });
    expectRefused(await direct(t.stack.subgraphUrls.identity, USER, withConstant, { id: world.userA }));
    expect(secret()).not.toBe(PUBLIC_CONSTANT);
  });

  it("refuses a context from another issuer", async () => {
    const ctx = contextOfAlice();
    const token = await new SignJWT({
      tenant: ctx.tenant,
      actor: ctx.actor,
      rid: ctx.requestId,
      bdh: requestDigest(bodyOf(USER, { id: world.userA })),
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("someone-else")
      .setAudience("identity")
      .setIssuedAt()
      .setExpirationTime("5s")
      .sign(key());
    expectRefused(await direct(t.stack.subgraphUrls.identity, USER, token, { id: world.userA }));
  });

  it("refuses a context signed for another subgraph (sites) when sent to identity", async () => {
    const forSites = await signInternalContext(key(), contextOfAlice(), {
      audience: "sites",
      body: bodyOf(CURRENT_SITE),
    });
    const res = await direct(t.stack.subgraphUrls.identity, USER, forSites, { id: world.userA });
    expectRefused(res);
    expect(res.body).not.toContain("Alice");
    // ...while the same context is good at the subgraph it was signed for.
    const atSites = await direct(t.stack.subgraphUrls.sites, CURRENT_SITE, forSites);
    expect(atSites.status).toBe(200);
    expect(atSites.json.errors).toBeUndefined();
    expect(atSites.json.data.currentSite).toMatchObject({ id: world.siteA.id, slug: world.siteA.slug });
  });

  it("answers a valid context signed for identity with 200 and data", async () => {
    const valid = await signInternalContext(key(), contextOfAlice(), {
      audience: "identity",
      body: bodyOf(USER, { id: world.userA }),
    });
    const res = await direct(t.stack.subgraphUrls.identity, USER, valid, { id: world.userA });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.user).toMatchObject({ id: world.userA, name: "Alice of A" });
  });

  describe("tenant isolation with a valid context for site A", () => {
    const ask = async (query: string, variables: Record<string, unknown>) =>
      direct(
        t.stack.subgraphUrls.identity,
        query,
        await signInternalContext(key(), contextOfAlice(), {
          audience: "identity",
          body: bodyOf(query, variables),
        }),
        variables,
      );

    it("user(id) of site B's user is null", async () => {
      const res = await ask(USER, { id: world.userB });
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data).toEqual({ user: null });
      expect(res.body).not.toContain("Bob");
    });

    it("_entities for site B's user is [null]; for site A's user it is Alice", async () => {
      const other = await ask(ENTITIES, { reps: [{ __typename: "User", id: world.userB }] });
      expect(other.status).toBe(200);
      expect(other.json.errors).toBeUndefined();
      expect(other.json.data._entities).toEqual([null]);
      expect(other.body).not.toContain("Bob");

      const own = await ask(ENTITIES, { reps: [{ __typename: "User", id: world.userA }] });
      expect(own.status).toBe(200);
      expect(own.json.errors).toBeUndefined();
      expect(own.json.data._entities).toEqual([{ id: world.userA, name: "Alice of A" }]);
    });

    it("a batch mixing both sites' users returns only site A's", async () => {
      const res = await ask(ENTITIES, {
        reps: [
          { __typename: "User", id: world.userB },
          { __typename: "User", id: world.userA },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.json.data._entities).toEqual([null, { id: world.userA, name: "Alice of A" }]);
    });
  });
});

describe("the same boundary through the gateway", () => {
  it("without users.view a site user sees only herself: another user of her site is FORBIDDEN", async () => {
    const carol = (
      await t.db.pool.query<{ id: string }>(
        `INSERT INTO "${world.siteA.schemaName}".users (email, name) VALUES ($1, 'Carol of A') RETURNING id`,
        [`carol-${randomUUID()}@example.test`],
      )
    ).rows[0]?.id as string;
    const token = await t.token(carol, world.siteA);
    const self = await t.gql(`{ user(id: "${carol}") { id name } }`, { token, tenant: world.siteA.slug });
    expect(self.json).toEqual({ data: { user: { id: carol, name: "Carol of A" } } });
    const other = await t.gql(`{ user(id: "${world.userA}") { id name } }`, {
      token,
      tenant: world.siteA.slug,
    });
    expect(other.json.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(other.body).not.toContain("Alice");
  });

  it("a token of site A sent to site B is 401 UNAUTHENTICATED", async () => {
    const token = await t.token(world.userA, world.siteA);
    const res = await t.gql("{ me { id name } }", { token, tenant: world.siteB.slug });
    expect(res.status).toBe(401);
    expect(res.json?.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(res.json).not.toHaveProperty("data");
    expect(res.body).not.toContain("Alice");
    expect(res.body).not.toContain("Bob");
  });

  it("with site A's token in site A, site B's user is null and Alice is herself", async () => {
    const token = await t.token(world.userA, world.siteA);
    const res = await t.gql(`{ me { id name } other: user(id: "${world.userB}") { id name } }`, {
      token,
      tenant: world.siteA.slug,
    });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data).toEqual({ me: { id: world.userA, name: "Alice of A" }, other: null });
    expect(res.body).not.toContain("Bob");
  });
});
