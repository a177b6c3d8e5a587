// A product service's plan limits (docs/services.md): the kit tells a request the plan of the
// addressed site's organization, once per request, and the service refuses past its own limit with
// CONFLICT on `plan`. Asked of the service with the gateway's signed context (a service defined in
// a test is not in the committed supergraph), in sites of FREE and ENTERPRISE organizations.

import { randomUUID } from "node:crypto";
import { inSite, isAuthenticated } from "@taruvi/auth";
import { assertWithinPlan, defineService, planLimit } from "@taruvi/subgraph-kit";
import { createTestOrganization } from "@taruvi/testing";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  atSubgraph,
  createSiteWithAdmin,
  errorOf,
  type HttpResult,
  startTestStack,
  type TestStack,
} from "./helpers";

/** What the kit puts on every request for plan limits. */
type PlanContext = Parameters<typeof planLimit>[0];

const WIDGET_LIMITS = {
  FREE: { maxWidgets: 2 },
  PRO: { maxWidgets: 50 },
  ENTERPRISE: { maxWidgets: null },
} as const;

const widgets = defineService({
  name: "widgets",
  port: 4991,
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Widget @key(fields: "id") { id: ID! }
    type WidgetAllowance { plan: String! maxWidgets: Int }
    type Query { widgetAllowance: WidgetAllowance! }
    type Mutation { addWidgets(used: Int!, adding: Int!): Boolean! }
  `),
  resolvers: {
    Query: {
      widgetAllowance: async (_: unknown, __: unknown, ctx: PlanContext) => {
        const { plan, limit } = await planLimit(ctx, WIDGET_LIMITS, "maxWidgets");
        return { plan, maxWidgets: limit };
      },
    },
    Mutation: {
      addWidgets: async (_: unknown, args: { used: number; adding: number }, ctx: PlanContext) => {
        assertWithinPlan({ ...(await planLimit(ctx, WIDGET_LIMITS, "maxWidgets")), ...args }, "widget");
        return true;
      },
    },
    Widget: { __resolveReference: (ref: { id: string }) => ref },
  },
  rules: {
    Query: { widgetAllowance: inSite },
    Mutation: { addWidgets: inSite },
    Widget: isAuthenticated,
  },
  planLimits: WIDGET_LIMITS,
  createLoaders: () => ({}),
});

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({}, { extraServices: [widgets] });
});
afterAll(() => t?.close());

const siteOfPlan = async (plan: "FREE" | "ENTERPRISE") => {
  const { organization } = await createTestOrganization(t.db.platform);
  await t.db.platform.organization.update({ where: { id: organization.id }, data: { plan } });
  const { site } = await createSiteWithAdmin(t, organization.id);
  return site;
};

type Site = Awaited<ReturnType<typeof siteOfPlan>>;

/** One request to the widgets service as a user of `site` (null: the platform scope). */
const ask = (site: Site | null, query: string, variables?: Record<string, unknown>): Promise<HttpResult> =>
  atSubgraph(
    t,
    "widgets",
    {
      tenant: site ? { siteId: site.id, slug: site.slug, schema: site.schemaName } : null,
      actor: { type: site ? "user" : "account", id: randomUUID() },
    },
    { query, variables },
  );

const add = (site: Site, used: number, adding: number) =>
  ask(site, "mutation ($used: Int!, $adding: Int!) { addWidgets(used: $used, adding: $adding) }", {
    used,
    adding,
  });

describe("plan limits of a product service", () => {
  it("reads the site's plan and refuses past the limit with CONFLICT on plan", async () => {
    const free = await siteOfPlan("FREE");
    const allowance = await ask(free, "{ widgetAllowance { plan maxWidgets } }");
    expect(allowance.json.data.widgetAllowance).toEqual({ plan: "FREE", maxWidgets: 2 });
    expect((await add(free, 1, 1)).json.data.addWidgets).toBe(true);
    expect(errorOf(await add(free, 2, 1))).toMatchObject({
      code: "CONFLICT",
      field: "plan",
      message: "plan: the FREE plan allows 2 widgets; upgrade to add more",
    });
  });

  it("follows the organization's plan: an upgrade lifts the limit on the next request", async () => {
    const site = await siteOfPlan("FREE");
    expect(errorOf(await add(site, 10, 1))?.code).toBe("CONFLICT");
    await t.db.pool.query(
      "UPDATE platform.organizations SET plan = 'ENTERPRISE' WHERE id = (SELECT organization_id FROM platform.sites WHERE id = $1)",
      [site.id],
    );
    expect((await add(site, 10, 1)).json.data.addWidgets).toBe(true);
  });

  it("never limits an unlimited plan", async () => {
    const enterprise = await siteOfPlan("ENTERPRISE");
    expect((await add(enterprise, 1_000_000, 1_000)).json.data.addWidgets).toBe(true);
  });

  it("has no plan in the platform scope", async () => {
    const res = await ask(null, "{ widgetAllowance { plan } }");
    expect(errorOf(res)?.code).toBe("BAD_USER_INPUT");
  });
});
