import { newApiKey } from "@taruvi/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyDirectly, grantDirectly, type SiteRef, siteUser } from "./fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  errorOf,
  signedIn,
  startTestStack,
  type TestStack,
} from "./helpers";

// An API key is bounded by the user who made it: what it holds is what it was given that its
// creator still holds; a deactivated or deleted creator's keys are refused; keys never make keys.
// (Found on the running platform: a deactivated user's keys kept working, and so did a key made
// by a key after its parent was revoked.)

let t: TestStack;
let site: SiteRef;
let adminToken: string;

beforeAll(async () => {
  t = await startTestStack();
  const world = await createWorld(t);
  const made = await createSiteWithAdmin(t, world.organization.id);
  site = made.site;
  adminToken = (await signedIn(t, made.admin, site.slug)).accessToken;
});
afterAll(() => t.close());

const USERS = "{ users(first: 1) { edges { node { id } } } }";
const GROUPS = "{ groups { id } }";
const asKey = (key: string, query: string, variables?: Record<string, unknown>) =>
  t.gql(query, {
    tenant: site.slug,
    headers: { authorization: `ApiKey ${key}` },
    ...(variables ? { variables } : {}),
  });
const asAdmin = (query: string, variables: Record<string, unknown>) =>
  t.gql(query, { tenant: site.slug, token: adminToken, variables });

/** A user holding apikeys.manage and users.view, and a key they made through the gateway. */
const creatorWithKey = async (scopes: string[] = ["users.view"]) => {
  const creator = await siteUser(t, site);
  await grantDirectly(t, site, { userId: creator.id }, "apikeys.manage");
  const viewGrant = await grantDirectly(t, site, { userId: creator.id }, "users.view");
  const token = (await signedIn(t, creator, site.slug)).accessToken;
  const res = await t.gql(
    "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }",
    { tenant: site.slug, token, variables: { input: { name: "bounded", scopes } } },
  );
  const { key, apiKey } = res.json.data.createApiKey;
  return { creator, key: key as string, keyId: apiKey.id as string, viewGrant };
};

describe("an API key is bounded by its creator", () => {
  it("loses a permission the moment its creator loses it", async () => {
    const { key, viewGrant } = await creatorWithKey();
    expect((await asKey(key, USERS)).json.data.users.edges.length).toBeGreaterThan(0);
    const revoked = await asAdmin("mutation ($id: ID!) { revokePermission(id: $id) }", { id: viewGrant });
    expect(revoked.json.data.revokePermission).toBe(true);
    expect(errorOf(await asKey(key, USERS))?.code).toBe("FORBIDDEN");
  });

  it("does not hold a grant made to it that its creator does not hold", async () => {
    const { key, keyId } = await creatorWithKey();
    await grantDirectly(t, site, { apiKeyId: keyId }, "groups.view");
    expect(errorOf(await asKey(key, GROUPS))?.code).toBe("FORBIDDEN");
  });

  it("is refused (401) at once when its creator is deactivated", async () => {
    const { creator, key } = await creatorWithKey();
    expect((await asKey(key, USERS)).status).toBe(200);
    await asAdmin("mutation ($id: ID!) { deactivateUser(id: $id) { id } }", { id: creator.id });
    const refused = await asKey(key, USERS);
    expect(refused.status).toBe(401);
    expect(errorOf(refused)?.code).toBe("UNAUTHENTICATED");
  });

  it("is refused when its creator is deleted, or when it has no creator", async () => {
    const { creator, key } = await creatorWithKey();
    await t.db.pool.query(`DELETE FROM "${site.schemaName}".users WHERE id = $1`, [creator.id]);
    expect((await asKey(key, USERS)).status).toBe(401);

    const orphan = newApiKey();
    await t.db.pool.query(
      `INSERT INTO "${site.schemaName}".api_keys (name, prefix, key_hash, scopes) VALUES ('legacy', $1, $2, '{users.view}')`,
      [orphan.prefix, orphan.hash],
    );
    const res = await asKey(orphan.key, USERS);
    expect(res.status).toBe(401);
    expect(errorOf(res)?.code).toBe("UNAUTHENTICATED");
  });

  it("cannot create keys, whatever its scopes", async () => {
    const { key } = await apiKeyDirectly(t, site, ["apikeys.manage", "users.view"]);
    const res = await asKey(
      key,
      "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }",
      {
        input: { name: "child", scopes: ["users.view"] },
      },
    );
    expect(errorOf(res)?.code).toBe("FORBIDDEN");
    const { rows } = await t.db.pool.query(
      `SELECT 1 FROM "${site.schemaName}".api_keys WHERE name = 'child'`,
    );
    expect(rows).toHaveLength(0);
  });
});
