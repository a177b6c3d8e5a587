import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  atSubgraph,
  createSiteWithAdmin,
  createWorld,
  errorCode,
  type HttpResult,
  signedIn,
  startPeerStack,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let siteA: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let siteB: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let adminA: string;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  [siteA, siteB] = await Promise.all([
    createSiteWithAdmin(t, world.organization.id),
    createSiteWithAdmin(t, world.organization.id),
  ]);
  adminA = (await signedIn(t, siteA.admin, siteA.site.slug)).accessToken;
});
afterAll(() => t.close());

const KEY = "id name prefix scopes expiresAt revokedAt lastUsedAt createdAt";
const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY} } } }`;
const REVOKE_KEY = `mutation ($id: ID!) { revokeApiKey(id: $id) { ${KEY} } }`;
const USERS = "{ users { edges { node { id email } } } }";

const withKey = (query: string, key: string, tenant = siteA.site.slug, target: TestStack = t) =>
  target.gql(query, { ...(tenant ? { tenant } : {}), headers: { authorization: `ApiKey ${key}` } });

const createKey = async (
  input: { name?: string; scopes?: string[]; expiresAt?: string | null } = {},
  target: TestStack = t,
  tenant = siteA.site.slug,
  token = adminA,
) => {
  const res = await target.gql(CREATE_KEY, {
    tenant,
    token,
    variables: { input: { name: "CI deploys", scopes: ["users.view"], ...input } },
  });
  expect(res.json.errors).toBeUndefined();
  return res.json.data.createApiKey as { key: string; apiKey: { id: string; prefix: string } };
};

const expectRefused = (res: HttpResult) => {
  expect(res.status).toBe(401);
  expect(res.json).toEqual({
    errors: [
      { message: expect.stringMatching(/^Invalid or expired/), extensions: { code: "UNAUTHENTICATED" } },
    ],
  });
};

describe("createApiKey and apiKeys", () => {
  it("shows the key once; the list and the database hold only its prefix and a hash", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await t.gql(CREATE_KEY, {
      tenant: siteA.site.slug,
      token: adminA,
      variables: { input: { name: "Reporting", scopes: ["users.view", "users.view"], expiresAt } },
    });
    const { key, apiKey } = res.json.data.createApiKey;
    expect(key).toMatch(/^tvk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({
      name: "Reporting",
      prefix: key.slice(0, 16),
      scopes: ["users.view"],
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
    });
    const list = await t.gql(`{ apiKeys { ${KEY} } }`, { tenant: siteA.site.slug, token: adminA });
    expect(list.json.data.apiKeys).toContainEqual(apiKey);
    expect(list.body).not.toContain(key.slice(17));
    const { rows } = await t.db.pool.query(
      `SELECT * FROM "${siteA.site.schemaName}".api_keys WHERE id = $1`,
      [apiKey.id],
    );
    expect(JSON.stringify(rows)).not.toContain(key.slice(17));
  });

  it("needs apikeys.manage: not plain users, not API keys without it, not the platform", async () => {
    const email = `${randomUUID()}@example.test`;
    const password = strongPassword();
    await t.gql("mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }", {
      tenant: siteA.site.slug,
      token: adminA,
      variables: { input: { email, password, name: "Plain" } },
    });
    const plain = (await signedIn(t, { email, password }, siteA.site.slug)).accessToken;
    const input = { name: "x", scopes: [] };
    expect(
      errorCode(await t.gql(CREATE_KEY, { tenant: siteA.site.slug, token: plain, variables: { input } })),
    ).toBe("FORBIDDEN");
    expect(errorCode(await t.gql("{ apiKeys { id } }", { tenant: siteA.site.slug, token: plain }))).toBe(
      "FORBIDDEN",
    );
    const { key } = await createKey({ scopes: ["users.view", "users.manage"] });
    expect(errorCode(await withKey("{ apiKeys { id } }", key))).toBe("FORBIDDEN");
    // With apikeys.manage, a key lists keys (and creates ones no broader than itself: permissions-site).
    const manager = await createKey({ scopes: ["apikeys.manage"] });
    expect((await withKey("{ apiKeys { id } }", manager.key)).json.data.apiKeys).toContainEqual({
      id: manager.apiKey.id,
    });
    const platform = await t.gql(CREATE_KEY, {
      token: await t.token(world.owner.id, null),
      variables: { input },
    });
    expect(errorCode(platform)).toBe("BAD_USER_INPUT");
  });

  it("refuses bad input naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: " " }, "name"],
      [{ scopes: ["Users View"] }, "scopes"],
      [{ scopes: ["users.everything"] }, "scopes"],
      [{ expiresAt: "tomorrow" }, "expiresAt"],
      [{ expiresAt: new Date(Date.now() - 1000).toISOString() }, "expiresAt"],
    ];
    for (const [override, field] of cases) {
      const res = await t.gql(CREATE_KEY, {
        tenant: siteA.site.slug,
        token: adminA,
        variables: { input: { name: "n", scopes: [], ...override } },
      });
      expect(res.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field } });
    }
  });
});

describe("Authorization: ApiKey", () => {
  it("acts with the key's scopes in its own site", async () => {
    const viewer = await createKey({ scopes: ["users.view"] });
    const users = await withKey(USERS, viewer.key);
    expect(users.json.errors).toBeUndefined();
    expect(users.json.data.users.edges.map((e: { node: { email: string } }) => e.node.email)).toContain(
      siteA.admin.email,
    );
    expect((await withKey("{ me { id } }", viewer.key)).json).toEqual({ data: { me: null } });
    // Without users.view the list is refused; without users.manage no user can be created.
    const bare = await createKey({ scopes: [] });
    expect(errorCode(await withKey(USERS, bare.key))).toBe("FORBIDDEN");
    const email = `${randomUUID()}@example.test`;
    const create = `mutation { createUser(input: { email: "${email}", password: "${strongPassword()}", name: "By Key" }) { email } }`;
    expect(errorCode(await withKey(create, viewer.key))).toBe("FORBIDDEN");
    const manager = await createKey({ scopes: ["users.manage"] });
    expect((await withKey(create, manager.key)).json).toEqual({ data: { createUser: { email } } });
    // The key is marked as used.
    const list = await t.gql("{ apiKeys { id lastUsedAt } }", { tenant: siteA.site.slug, token: adminA });
    const used = list.json.data.apiKeys.find((k: { id: string }) => k.id === viewer.apiKey.id);
    expect(used.lastUsedAt).toEqual(expect.any(String));
  });

  it("a key of site A is refused at site B and at the platform", async () => {
    const { key } = await createKey();
    expect((await withKey(USERS, key)).status).toBe(200);
    expectRefused(await withKey(USERS, key, siteB.site.slug));
    expectRefused(await withKey(USERS, key, ""));
  });

  it("refuses malformed and unknown keys", async () => {
    const { key } = await createKey();
    const wrongSecret = `${key.slice(0, 17)}${"A".repeat(43)}`;
    for (const bad of ["garbage", `${key}x`, wrongSecret, `tvk_000000000000_${"A".repeat(43)}`]) {
      expectRefused(await withKey(USERS, bad));
    }
  });

  it("an expired key is refused", async () => {
    const { key } = await createKey({ expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await withKey(USERS, key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expectRefused(await withKey(USERS, key));
  });

  it("a revoked key is refused on the very next request (though verified and cached before)", async () => {
    const { key, apiKey } = await createKey();
    expect((await withKey(USERS, key)).status).toBe(200);
    const res = await t.gql(REVOKE_KEY, {
      tenant: siteA.site.slug,
      token: adminA,
      variables: { id: apiKey.id },
    });
    expect(res.json.data.revokeApiKey.revokedAt).toEqual(expect.any(String));
    expectRefused(await withKey(USERS, key));
    // Idempotent.
    const again = await t.gql(REVOKE_KEY, {
      tenant: siteA.site.slug,
      token: adminA,
      variables: { id: apiKey.id },
    });
    expect(again.json.data.revokeApiKey.revokedAt).toBe(res.json.data.revokeApiKey.revokedAt);
  });

  it("revokeApiKey: NOT_FOUND for an unknown id or another site's key", async () => {
    const adminB = (await signedIn(t, siteB.admin, siteB.site.slug)).accessToken;
    const { apiKey, key } = await createKey({}, t, siteB.site.slug, adminB);
    for (const id of [apiKey.id, randomUUID(), "nope"]) {
      const res = await t.gql(REVOKE_KEY, { tenant: siteA.site.slug, token: adminA, variables: { id } });
      expect(errorCode(res)).toBe("NOT_FOUND");
    }
    expect((await withKey(USERS, key, siteB.site.slug)).status).toBe(200);
  });
});

describe("_entities", () => {
  it("resolves ApiKey for a site admin of its site only", async () => {
    const { apiKey } = await createKey({ name: "entity" });
    const admin = (await t.gql("{ me { id } }", { tenant: siteA.site.slug, token: adminA })).json.data.me.id;
    const resolve = async (tenant: typeof siteA.site, actorId: string) => {
      const res = await atSubgraph(
        t,
        "identity",
        {
          requestId: "entities",
          tenant: { siteId: tenant.id, slug: tenant.slug, schema: tenant.schemaName },
          actor: { type: "user", id: actorId },
        },
        {
          query: "query ($r: [_Any!]!) { _entities(representations: $r) { ... on ApiKey { id name } } }",
          variables: {
            r: [
              { __typename: "ApiKey", id: apiKey.id },
              { __typename: "ApiKey", id: randomUUID() },
            ],
          },
        },
      );
      return res.json.data._entities;
    };
    expect(await resolve(siteA.site, admin)).toEqual([{ id: apiKey.id, name: "entity" }, null]);
    expect(await resolve(siteB.site, admin)).toEqual([null, null]);
  });
});

describe("two gateways sharing Redis", () => {
  it("a key revoked through one gateway is refused by the other within 1 s", async () => {
    const one = await startTestStack({}, { redisUrl: "redis://127.0.0.1:6379" });
    const two = await startPeerStack(one);
    try {
      const org = await createWorld(one);
      const { site, admin } = await createSiteWithAdmin(one, org.organization.id);
      const token = (await signedIn(one, admin, site.slug)).accessToken;
      const { key, apiKey } = await createKey({}, one, site.slug, token);
      expect((await withKey(USERS, key, site.slug, two)).status).toBe(200);
      await one.gql(REVOKE_KEY, { tenant: site.slug, token, variables: { id: apiKey.id } });
      const started = Date.now();
      let status = 200;
      while (Date.now() - started < 1000) {
        status = (await withKey(USERS, key, site.slug, two)).status;
        if (status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(401);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
