import type { Actor, TenantRef } from "@taruvi/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessChangedDirectly, grantDirectly, type SiteRef, siteUser } from "./fixtures";
import {
  atSubgraph,
  createSiteWithAdmin,
  createWorld,
  errorCode,
  type HttpResult,
  signedIn,
  startTestStack,
  type TestStack,
} from "./helpers";

// The subgraphs keep a caller's site access across requests (docs/decisions/0025); every change
// of who holds what made through the product holds on the caller's very next request, whether
// it takes access away (permission escalation otherwise) or gives it. Requests go straight to the
// subgraphs with the context the gateway signs, so nothing the gateway checks itself (sessions,
// revoked keys) stands in for the subgraph's answer.

let t: TestStack;
let site: SiteRef;
let tenant: TenantRef;
let adminToken: string;

beforeAll(async () => {
  t = await startTestStack();
  const world = await createWorld(t);
  const made = await createSiteWithAdmin(t, world.organization.id);
  site = made.site;
  tenant = { siteId: site.id, slug: site.slug, schema: site.schemaName };
  adminToken = (await signedIn(t, made.admin, site.slug)).accessToken;
});
afterAll(() => t?.close());

const USERS = "{ users(first: 1) { edges { node { id } } } }";
const TRAIL = "{ auditEvents(first: 1) { edges { node { id } } } }";

/** `users.view` in the identity subgraph (or `audit.view` in the audit one) as `actor`. */
const outcome = async (actor: Actor, subgraph: "identity" | "audit" = "identity"): Promise<string> => {
  const res: HttpResult = await atSubgraph(
    t,
    subgraph,
    { tenant, actor },
    {
      query: subgraph === "identity" ? USERS : TRAIL,
    },
  );
  if (res.status !== 200) return `HTTP ${res.status}`;
  return errorCode(res) ?? "ok";
};
const asUser = (id: string): Actor => ({ type: "user", id });

const asAdmin = async (query: string, variables: Record<string, unknown>) => {
  const res = await t.gql(query, { tenant: site.slug, token: adminToken, variables });
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

describe("site access kept across requests", () => {
  it("is kept: a grant deleted in SQL by hand counts until the change is announced", async () => {
    const user = await siteUser(t, site);
    const grant = await grantDirectly(t, site, { userId: user.id }, "users.view");
    expect(await outcome(asUser(user.id))).toBe("ok");
    await t.db.pool.query(`DELETE FROM "${site.schemaName}".permission_grants WHERE id = $1`, [grant]);
    // Nothing told the subgraph: its entry is still valid (what the cache saves is this query).
    expect(await outcome(asUser(user.id))).toBe("ok");
    await accessChangedDirectly(t, site);
    expect(await outcome(asUser(user.id))).toBe("FORBIDDEN");
  });

  it("a revoked grant stops counting on the next request, in every subgraph of the process", async () => {
    const user = await siteUser(t, site);
    const granted = await asAdmin(
      "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }",
      { input: { permission: "audit.view", userId: user.id } },
    );
    const viewUsers = await asAdmin(
      "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }",
      { input: { permission: "users.view", userId: user.id } },
    );
    expect(await outcome(asUser(user.id), "audit")).toBe("ok");
    expect(await outcome(asUser(user.id))).toBe("ok");
    await asAdmin("mutation ($id: ID!) { revokePermission(id: $id) }", { id: granted.grantPermission.id });
    expect(await outcome(asUser(user.id), "audit")).toBe("FORBIDDEN");
    expect(await outcome(asUser(user.id))).toBe("ok");
    await asAdmin("mutation ($id: ID!) { revokePermission(id: $id) }", { id: viewUsers.grantPermission.id });
    expect(await outcome(asUser(user.id))).toBe("FORBIDDEN");
  });

  it("a grant given counts on the next request (a refusal is not kept past it)", async () => {
    const user = await siteUser(t, site);
    expect(await outcome(asUser(user.id))).toBe("FORBIDDEN");
    await asAdmin("mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }", {
      input: { permission: "users.view", userId: user.id },
    });
    expect(await outcome(asUser(user.id))).toBe("ok");
  });

  it("a removed group membership, and a deleted group, stop counting on the next request", async () => {
    const [member, other] = [await siteUser(t, site), await siteUser(t, site)];
    const group = (
      await asAdmin("mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }", {
        input: { name: `viewers-${Date.now()}` },
      })
    ).createGroup.id;
    await asAdmin("mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }", {
      input: { permission: "users.view", groupId: group },
    });
    for (const user of [member, other]) {
      await asAdmin("mutation ($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }", {
        g: group,
        u: user.id,
      });
      expect(await outcome(asUser(user.id))).toBe("ok");
    }
    await asAdmin("mutation ($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }", {
      g: group,
      u: member.id,
    });
    expect(await outcome(asUser(member.id))).toBe("FORBIDDEN");
    expect(await outcome(asUser(other.id))).toBe("ok");
    await asAdmin("mutation ($id: ID!) { deleteGroup(id: $id) }", { id: group });
    expect(await outcome(asUser(other.id))).toBe("FORBIDDEN");
  });

  it("a deactivated user holds nothing on the next request; restored, they hold their grants again", async () => {
    const user = await siteUser(t, site);
    await grantDirectly(t, site, { userId: user.id }, "users.view");
    expect(await outcome(asUser(user.id))).toBe("ok");
    await asAdmin("mutation ($id: ID!) { deactivateUser(id: $id) { id } }", { id: user.id });
    expect(await outcome(asUser(user.id))).toBe("FORBIDDEN");
    await asAdmin("mutation ($id: ID!) { restoreUser(id: $id) { id } }", { id: user.id });
    expect(await outcome(asUser(user.id))).toBe("ok");
  });

  it("an administrator made a plain user loses everything on the next request", async () => {
    const user = await siteUser(t, site, { admin: true });
    expect(await outcome(asUser(user.id), "audit")).toBe("ok");
    await asAdmin("mutation ($id: ID!) { updateUser(id: $id, input: { isAdmin: false }) { id } }", {
      id: user.id,
    });
    expect(await outcome(asUser(user.id), "audit")).toBe("FORBIDDEN");
  });

  it("a revoked API key holds nothing on the next request, and neither does a key whose creator is deactivated", async () => {
    const creator = await siteUser(t, site);
    await grantDirectly(t, site, { userId: creator.id }, "apikeys.manage");
    await grantDirectly(t, site, { userId: creator.id }, "users.view");
    const creatorToken = (await signedIn(t, creator, site.slug)).accessToken;
    const makeKey = async () => {
      const res = await t.gql(
        "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id scopes } } }",
        {
          tenant: site.slug,
          token: creatorToken,
          variables: { input: { name: "cached", scopes: ["users.view"] } },
        },
      );
      expect(res.json.errors).toBeUndefined();
      const { id, scopes } = res.json.data.createApiKey.apiKey;
      return { type: "api_key", id, scopes } as Actor;
    };
    const [revoked, kept] = [await makeKey(), await makeKey()];
    expect(await outcome(revoked)).toBe("ok");
    expect(await outcome(kept)).toBe("ok");
    await asAdmin("mutation ($id: ID!) { revokeApiKey(id: $id) { id } }", { id: revoked.id });
    expect(await outcome(revoked)).toBe("FORBIDDEN");
    expect(await outcome(kept)).toBe("ok");
    await asAdmin("mutation ($id: ID!) { deactivateUser(id: $id) { id } }", { id: creator.id });
    expect(await outcome(kept)).toBe("FORBIDDEN");
  });
});
