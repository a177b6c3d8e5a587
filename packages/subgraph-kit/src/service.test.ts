import gql from "graphql-tag";
import { describe, expect, it } from "vitest";
import { assertWithinPlan, planLimit } from "./plans";
import { defineService } from "./service";

const base = {
  port: 4150,
  resolvers: {},
  rules: {},
  createLoaders: () => ({}),
};

const sdl = (body: string) => gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  ${body}
  type Query { ping: Boolean }
`;

const PROJECT = 'type Project @key(fields: "id") { id: ID! title: String! }';
const USER_REF = 'type User @key(fields: "id", resolvable: false) { id: ID! }';

describe("defineService", () => {
  it("refuses a name the registry would refuse and permissions outside its prefix", () => {
    expect(() => defineService({ ...base, name: "Projects", typeDefs: sdl(PROJECT) })).toThrow(/must match/);
    expect(() =>
      defineService({
        ...base,
        name: "projects",
        typeDefs: sdl(PROJECT),
        permissions: { "users.manage": "escalation" },
      }),
    ).toThrow(/must start with "projects\."/);
  });

  it("requires extends for another service's entity, and refuses extends the SDL does not back", () => {
    expect(() =>
      defineService({ ...base, name: "projects", typeDefs: sdl(`${PROJECT} ${USER_REF}`) }),
    ).toThrow(/declares User, an entity of identity: list it in extends/);
    expect(
      defineService({ ...base, name: "projects", typeDefs: sdl(`${PROJECT} ${USER_REF}`), extends: ["User"] })
        .extends,
    ).toEqual(["User"]);
    expect(() =>
      defineService({ ...base, name: "projects", typeDefs: sdl(PROJECT), extends: ["Site"] }),
    ).toThrow(/extends Site, but its SDL declares no Site/);
    // A reference-only entity of a product service is someone else's too.
    expect(() =>
      defineService({
        ...base,
        name: "tasks",
        typeDefs: sdl('type Project @key(fields: "id", resolvable: false) { id: ID! }'),
      }),
    ).toThrow(/a reference-only entity: list it in extends/);
  });

  it("checks that every plan prices the same limits", () => {
    const limits = {
      FREE: { maxProjects: 10 },
      PRO: { maxProjects: 100 },
      ENTERPRISE: { maxProjects: null },
    };
    expect(
      defineService({ ...base, name: "projects", typeDefs: sdl(PROJECT), planLimits: limits }).planLimits,
    ).toBe(limits);
    expect(() =>
      defineService({
        ...base,
        name: "projects",
        typeDefs: sdl(PROJECT),
        planLimits: { ...limits, PRO: { maxTasks: 5 } } as never,
      }),
    ).toThrow(/planLimits.PRO names maxTasks, FREE names maxProjects/);
    expect(() =>
      defineService({
        ...base,
        name: "projects",
        typeDefs: sdl(PROJECT),
        planLimits: { ...limits, FREE: { maxProjects: -1 } },
      }),
    ).toThrow(/planLimits.FREE.maxProjects must be a non-negative integer or null/);
  });
});

describe("plan limits", () => {
  const limits = { FREE: { maxProjects: 2 }, PRO: { maxProjects: 100 }, ENTERPRISE: { maxProjects: null } };

  it("reads the site's plan once and refuses past the limit with CONFLICT on plan", async () => {
    let lookups = 0;
    const ctx = {
      sitePlan: async () => {
        lookups += 1;
        return "FREE" as const;
      },
    };
    const limit = await planLimit(ctx, limits, "maxProjects");
    expect(limit).toEqual({ plan: "FREE", limit: 2 });
    expect(() => assertWithinPlan({ ...limit, used: 1 }, "project")).not.toThrow();
    const refusal = (() => {
      try {
        assertWithinPlan({ ...limit, used: 2 }, "project");
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toMatchObject({
      code: "CONFLICT",
      field: "plan",
      userMessage: "plan: the FREE plan allows 2 projects; upgrade to add more",
    });
    expect(lookups).toBe(1);
  });

  it("never refuses an unlimited plan", async () => {
    const limit = await planLimit({ sitePlan: async () => "ENTERPRISE" as const }, limits, "maxProjects");
    expect(() => assertWithinPlan({ ...limit, used: 1e9, adding: 1e9 }, "project")).not.toThrow();
  });
});
