import { randomUUID } from "node:crypto";
import type { Actor, TenantRef } from "@taruvi/auth";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atSubgraph, createWorld, type HttpResult, startTestStack, type TestStack } from "./helpers";
import { accountWithToken, grantOn } from "./sites-helpers";

// `_entities` of the organizations and sites subgraphs, sent as the gateway's query planner
// would but for callers who may not see what they name: a signed-out caller is refused
// (UNAUTHENTICATED), and an Organization, Site or Domain the caller may not see resolves to null,
// so an entity fetch never shows more than the root fields would.

let t: TestStack;
let world: Awaited<ReturnType<typeof createWorld>>;
let domainId: string;

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  world = await createWorld(t);
  domainId = (
    await t.db.platform.domain.create({
      data: {
        siteId: world.siteA.id,
        hostname: `${randomUUID()}.entities.example`,
        isPrimary: true,
        status: "VERIFIED",
        verificationToken: "t",
      },
    })
  ).id;
});
afterAll(() => t?.close());

const entities = async (
  subgraph: "organizations" | "sites",
  actor: Actor | null,
  representations: object[],
  selection: string,
  tenant: TenantRef | null = null,
): Promise<HttpResult> => {
  return atSubgraph(
    t,
    subgraph,
    { tenant, actor, client: { ip: "127.0.0.1", userAgent: "test" } },
    {
      query: `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      variables: { r: representations },
    },
  );
};

const account = (id: string): Actor => ({ type: "account", id });
const orgRef = () => [{ __typename: "Organization", id: world.organization.id }];
const siteRefs = () => [
  { __typename: "Site", id: world.siteA.id },
  { __typename: "Site", id: world.siteB.id },
];
const data = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data._entities;
};

describe("entity fetches show no more than the caller may see", () => {
  it("a signed-out caller is refused for every entity type", async () => {
    for (const res of [
      await entities("organizations", null, orgRef(), "... on Organization { slug }"),
      await entities("sites", null, siteRefs(), "... on Site { slug }"),
      await entities("sites", null, [{ __typename: "Domain", id: domainId }], "... on Domain { hostname }"),
      await entities("sites", null, orgRef(), "... on Organization { sites { slug } }"),
    ]) {
      expect(res.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(res.json.data?._entities ?? null).toBeNull();
    }
  });

  it("an outsider gets nulls (and no sites), the owner the real thing", async () => {
    const outsider = account(world.outsider.id);
    expect(
      data(
        await entities(
          "organizations",
          outsider,
          orgRef(),
          "... on Organization { slug members { userId } }",
        ),
      ),
    ).toEqual([null]);
    expect(data(await entities("sites", outsider, siteRefs(), "... on Site { slug }"))).toEqual([null, null]);
    expect(
      data(
        await entities(
          "sites",
          outsider,
          [{ __typename: "Domain", id: domainId }],
          "... on Domain { hostname }",
        ),
      ),
    ).toEqual([null]);
    expect(
      data(await entities("sites", outsider, orgRef(), "... on Organization { sites { slug } }")),
    ).toEqual([{ sites: [] }]);

    const owner = account(world.owner.id);
    expect(data(await entities("organizations", owner, orgRef(), "... on Organization { slug }"))).toEqual([
      { slug: world.organization.slug },
    ]);
    expect(data(await entities("sites", owner, siteRefs(), "... on Site { slug }"))).toEqual([
      { slug: world.siteA.slug },
      { slug: world.siteB.slug },
    ]);
  });

  it("a grantee of one site sees that site and its domains, not the other site nor the organization", async () => {
    const grantee = await accountWithToken(t);
    await grantOn(t, grantee.id, "SITE", world.siteA.id, "access_site");
    const actor = account(grantee.id);
    expect(data(await entities("sites", actor, siteRefs(), "... on Site { slug }"))).toEqual([
      { slug: world.siteA.slug },
      null,
    ]);
    expect(
      data(
        await entities(
          "sites",
          actor,
          [{ __typename: "Domain", id: domainId }],
          "... on Domain { site { slug } }",
        ),
      ),
    ).toEqual([{ site: { slug: world.siteA.slug } }]);
    expect(data(await entities("organizations", actor, orgRef(), "... on Organization { slug }"))).toEqual([
      null,
    ]);
  });

  it("a site's own user sees that site only, and no organization", async () => {
    const tenant = { siteId: world.siteA.id, slug: world.siteA.slug, schema: world.siteA.schemaName };
    const user: Actor = { type: "user", id: world.userA };
    expect(data(await entities("sites", user, siteRefs(), "... on Site { slug }", tenant))).toEqual([
      { slug: world.siteA.slug },
      null,
    ]);
    expect(
      data(await entities("organizations", user, orgRef(), "... on Organization { slug }", tenant)),
    ).toEqual([null]);
  });

  it("Organization.sites of several organizations at once: live sites by slug with their domains, for those who may see each", async () => {
    const caller = await accountWithToken(t);
    const organizationOf = (members: { accountId: string; role: "MEMBER" }[]) =>
      t.db.platform.organization.create({
        data: { slug: randomSlug("org"), name: "Org", members: { create: members } },
      });
    const membered = await organizationOf([{ accountId: caller.id, role: "MEMBER" }]);
    const granted = await organizationOf([]);
    await grantOn(t, caller.id, "ORGANIZATION", granted.id, "invite_members");
    const [first, second, gone, other] = await Promise.all([
      t.createSite(membered.id),
      t.createSite(membered.id),
      t.createSite(membered.id),
      t.createSite(granted.id),
    ]);
    await t.db.platform.site.update({
      where: { id: gone.id },
      data: { status: "DELETED", deletedAt: new Date() },
    });
    const host = (label: string) => `${label}.${first.slug}.example`;
    for (const [label, isPrimary] of [
      ["b", false],
      ["z", true],
      ["a", false],
    ] as const) {
      await t.db.platform.domain.create({
        data: { siteId: first.id, hostname: host(label), isPrimary, verificationToken: "t" },
      });
    }
    const live = [first, second].sort((x, y) => (x.slug < y.slug ? -1 : 1));
    const domainsOf = (slug: string) =>
      slug === first.slug
        ? [
            { hostname: host("z"), isPrimary: true },
            { hostname: host("a"), isPrimary: false },
            { hostname: host("b"), isPrimary: false },
          ]
        : [];

    const res = await entities(
      "sites",
      account(caller.id),
      [membered, world.organization, granted].map(({ id }) => ({ __typename: "Organization", id })),
      "... on Organization { sites { slug domains { hostname isPrimary } } }",
    );
    expect(data(res)).toEqual([
      { sites: live.map(({ slug }) => ({ slug, domains: domainsOf(slug) })) },
      { sites: [] },
      { sites: [{ slug: other.slug, domains: [] }] },
    ]);
  });

  it("malformed ids resolve to null, not an error", async () => {
    const owner = account(world.owner.id);
    expect(
      data(await entities("sites", owner, [{ __typename: "Site", id: "1 OR 1=1" }], "... on Site { slug }")),
    ).toEqual([null]);
    expect(
      data(
        await entities(
          "organizations",
          owner,
          [{ __typename: "Organization", id: "x" }],
          "... on Organization { slug }",
        ),
      ),
    ).toEqual([null]);
  });
});
