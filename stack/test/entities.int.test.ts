import { type Actor, newApiKey, type TenantRef } from "@taruvi/auth";
import type { SubgraphName } from "@taruvi/gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atSubgraph, createWorld, type HttpResult, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let domainId: string;
let auditEventId: string;
let siteAuditEventId: string;
let siteAdminId: string;
let apiKeyId: string;
let groupId: string;

beforeAll(async () => {
  t = await startTestStack();
  world = await createWorld(t);
  domainId = (
    await t.db.platform.domain.create({
      data: {
        siteId: world.siteA.id,
        hostname: "entities.example",
        isPrimary: true,
        status: "VERIFIED",
        verificationToken: "t",
      },
    })
  ).id;
  auditEventId = (
    await t.db.platform.auditEvent.create({
      data: {
        action: "site.created",
        entityType: "Site",
        entityId: world.siteA.id,
        actorType: "ACCOUNT",
        actorId: world.owner.id,
        organizationId: world.organization.id,
      },
    })
  ).id;
  const schema = `"${world.siteA.schemaName}"`;
  const one = async (sql: string, values: unknown[] = []) =>
    (await t.db.pool.query<{ id: string }>(sql, values)).rows[0]?.id as string;
  siteAdminId = await one(
    `INSERT INTO ${schema}.users (email, name, is_admin) VALUES ('entities-admin@example.test', 'Entities Admin', true) RETURNING id`,
  );
  const key = newApiKey();
  apiKeyId = await one(
    `INSERT INTO ${schema}.api_keys (name, prefix, key_hash, scopes, created_by_id)
     VALUES ('entities', $1, $2, '{audit.view}', $3) RETURNING id`,
    [key.prefix, key.hash, siteAdminId],
  );
  groupId = await one(`INSERT INTO ${schema}.groups (name) VALUES ('entities') RETURNING id`);
  siteAuditEventId = await one(
    `INSERT INTO ${schema}.audit_events (action, entity_type, entity_id, actor_type, actor_id)
     VALUES ('group.created', 'Group', $1, 'USER', $2) RETURNING id`,
    [groupId, siteAdminId],
  );
});
afterAll(() => t.close());

const tenantA = (): TenantRef => ({
  siteId: world.siteA.id,
  slug: world.siteA.slug,
  schema: world.siteA.schemaName,
});

/** An operation sent straight to a subgraph, with the context the gateway would sign. */
const direct = (
  subgraph: SubgraphName,
  query: string,
  variables: Record<string, unknown>,
  { tenant = null, actor }: { tenant?: TenantRef | null; actor: Actor | null },
): Promise<HttpResult> =>
  atSubgraph(t, subgraph, { requestId: "entities-test", tenant, actor }, { query, variables });

const ENTITIES = (selection: string) =>
  `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`;

/**
 * `_entities` sent straight to a subgraph, as the gateway's query planner would: by the owner on
 * the platform, by a site admin of site A when `tenant` is given.
 */
const entities = async (
  subgraph: SubgraphName,
  representations: object[],
  selection: string,
  tenant: TenantRef | null = null,
) => {
  const actor: Actor = tenant ? { type: "user", id: siteAdminId } : { type: "account", id: world.owner.id };
  const res = await direct(subgraph, ENTITIES(selection), { r: representations }, { tenant, actor });
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

  it("identity: ApiKey and Group (site scope)", async () => {
    expect(
      await entities(
        "identity",
        [
          { __typename: "ApiKey", id: apiKeyId },
          { __typename: "ApiKey", id: MISSING },
          { __typename: "Group", id: groupId },
          { __typename: "Group", id: MISSING },
        ],
        "... on ApiKey { name scopes } ... on Group { name }",
        tenantA(),
      ),
    ).toEqual([{ name: "entities", scopes: ["audit.view"] }, null, { name: "entities" }, null]);
  });

  it("audit: AuditEvent (platform and site scope)", async () => {
    expect(
      await entities(
        "audit",
        [
          { __typename: "AuditEvent", id: auditEventId },
          { __typename: "AuditEvent", id: MISSING },
        ],
        "... on AuditEvent { action entityId scope actor { id } }",
      ),
    ).toEqual([
      { action: "site.created", entityId: world.siteA.id, scope: "platform", actor: { id: world.owner.id } },
      null,
    ]);
    expect(
      await entities(
        "audit",
        [
          { __typename: "AuditEvent", id: siteAuditEventId },
          // A platform event is not one of the site's.
          { __typename: "AuditEvent", id: auditEventId },
        ],
        "... on AuditEvent { action scope actor { id } }",
        tenantA(),
      ),
    ).toEqual([
      { action: "group.created", scope: `site:${world.siteA.id}`, actor: { id: siteAdminId } },
      null,
    ]);
  });
});

/** Every resolvable @key of every subgraph, with the scope it lives in. */
const ENTITY_TYPES: [SubgraphName, string, "platform" | "site"][] = [
  ["identity", "User", "platform"],
  ["identity", "User", "site"],
  ["identity", "ApiKey", "site"],
  ["identity", "Group", "site"],
  ["organizations", "Organization", "platform"],
  ["sites", "Site", "platform"],
  ["sites", "Domain", "platform"],
  ["sites", "Organization", "platform"],
  ["audit", "AuditEvent", "platform"],
  ["audit", "AuditEvent", "site"],
];

describe("the shield at federation's entry points", () => {
  const idOf = (typename: string, scope: "platform" | "site"): string =>
    ({
      User: scope === "site" ? world.userA : world.owner.id,
      ApiKey: apiKeyId,
      Group: groupId,
      Organization: world.organization.id,
      Site: world.siteA.id,
      Domain: domainId,
      AuditEvent: scope === "site" ? siteAuditEventId : auditEventId,
    })[typename] as string;

  it.each(ENTITY_TYPES)(
    "%s refuses _entities of %s (%s scope) to an anonymous caller",
    async (subgraph, typename, scope) => {
      const res = await direct(
        subgraph,
        ENTITIES(`... on ${typename} { id }`),
        { r: [{ __typename: typename, id: idOf(typename, scope) }] },
        { tenant: scope === "site" ? tenantA() : null, actor: null },
      );
      expect(res.status).toBe(200);
      expect(["UNAUTHENTICATED", "FORBIDDEN"]).toContain(res.json.errors?.[0]?.extensions?.code);
      expect(res.json.data?._entities ?? null).toBeNull();
      expect(res.body).not.toContain(idOf(typename, scope));
    },
  );

  it.each(["identity", "organizations", "sites", "audit"] as const)(
    "%s keeps _service open (the gateway's composition), even to an anonymous caller",
    async (subgraph) => {
      const res = await direct(subgraph, "{ _service { sdl } }", {}, { actor: null });
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data._service.sdl).toContain("@key");
    },
  );

  it("refuses an entity type a subgraph only references (User in audit is not resolvable there)", async () => {
    const res = await direct(
      "audit",
      ENTITIES("__typename"),
      { r: [{ __typename: "User", id: world.owner.id }] },
      { actor: { type: "account", id: world.owner.id } },
    );
    expect(res.json.errors?.[0]?.extensions?.code).toBeDefined();
    expect(res.json.data?._entities ?? null).toBeNull();
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
          edges: [{ node: { action: "site.created", actor: { email: world.owner.email } } }],
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
