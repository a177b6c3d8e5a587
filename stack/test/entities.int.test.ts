import { internalContextKey, signInternalContext, type TenantRef } from "@taruvi/auth";
import type { SubgraphName } from "@taruvi/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, httpRequest, startTestStack, type TestStack } from "./helpers";

const SECRET = "taruvi-development-internal-context-secret-do-not-use-in-production";
let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let domainId: string;
let auditEventId: string;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  domainId = (
    await t.db.platform.domain.create({
      data: { siteId: world.siteA.id, hostname: "entities.example", isPrimary: true },
    })
  ).id;
  auditEventId = (
    await t.db.platform.auditEvent.create({
      data: {
        action: "site.create",
        entityType: "Site",
        entityId: world.siteA.id,
        actorType: "ACCOUNT",
        actorId: world.owner.id,
        organizationId: world.organization.id,
      },
    })
  ).id;
});
afterAll(() => t.close());

/** `_entities` sent straight to a subgraph, as the gateway's query planner would. */
const entities = async (
  subgraph: SubgraphName,
  representations: object[],
  selection: string,
  tenant: TenantRef | null = null,
) => {
  const context = await signInternalContext(
    internalContextKey(SECRET),
    { requestId: "entities-test", tenant, actor: { type: "account", id: world.owner.id } },
    { audience: subgraph },
  );
  const res = await httpRequest(t.stack.subgraphUrls[subgraph], {
    headers: { "content-type": "application/json", "x-taruvi-context": context },
    body: JSON.stringify({
      query: `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      variables: { r: representations },
    }),
  });
  expect(res.status).toBe(200);
  expect(res.json.errors).toBeUndefined();
  return res.json.data._entities;
};

const MISSING = "00000000-0000-4000-8000-000000000000";

describe("every @key resolves through _entities (unknown ids → null)", () => {
  it("identity: User (platform accounts)", async () => {
    expect(
      await entities(
        "identity",
        [
          { __typename: "User", id: world.owner.id },
          { __typename: "User", id: MISSING },
        ],
        "... on User { id email }",
      ),
    ).toEqual([{ id: world.owner.id, email: world.owner.email }, null]);
  });

  it("organizations: Organization", async () => {
    expect(
      await entities(
        "organizations",
        [
          { __typename: "Organization", id: world.organization.id },
          { __typename: "Organization", id: MISSING },
        ],
        "... on Organization { slug }",
      ),
    ).toEqual([{ slug: world.organization.slug }, null]);
  });

  it("sites: Site, Domain and Organization.sites", async () => {
    expect(
      await entities(
        "sites",
        [
          { __typename: "Site", id: world.siteA.id },
          { __typename: "Site", id: MISSING },
        ],
        "... on Site { slug }",
      ),
    ).toEqual([{ slug: world.siteA.slug }, null]);
    expect(
      await entities(
        "sites",
        [{ __typename: "Domain", id: domainId }],
        "... on Domain { hostname site { slug } }",
      ),
    ).toEqual([{ hostname: "entities.example", site: { slug: world.siteA.slug } }]);
    const [org] = await entities(
      "sites",
      [{ __typename: "Organization", id: world.organization.id }],
      "... on Organization { sites { slug } }",
    );
    expect(org.sites.map((s: { slug: string }) => s.slug).sort()).toEqual(
      [world.siteA.slug, world.siteB.slug].sort(),
    );
  });

  it("audit: AuditEvent", async () => {
    expect(
      await entities(
        "audit",
        [
          { __typename: "AuditEvent", id: auditEventId },
          { __typename: "AuditEvent", id: MISSING },
        ],
        "... on AuditEvent { action entityId actor { id } }",
      ),
    ).toEqual([{ action: "site.create", entityId: world.siteA.id, actor: { id: world.owner.id } }, null]);
  });
});

describe("the audit trail through the gateway", () => {
  it("shows an owner the events of their organization, with the actor resolved by identity", async () => {
    const res = await t.gql(
      "{ auditEvents(first: 5) { edges { node { action actor { email } } } pageInfo { hasNextPage } } }",
      {
        token: await t.token(world.owner.id, null),
      },
    );
    expect(res.json).toEqual({
      data: {
        auditEvents: {
          edges: [{ node: { action: "site.create", actor: { email: world.owner.email } } }],
          pageInfo: { hasNextPage: false },
        },
      },
    });
    const outsider = await t.gql("{ auditEvents { edges { node { id } } } }", {
      token: await t.token(world.outsider.id, null),
    });
    expect(outsider.json.data.auditEvents.edges).toEqual([]);
  });
});
