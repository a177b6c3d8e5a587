import { createRequire } from "node:module";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { AppError } from "@taruvi/errors";
import { chain, race, rule } from "graphql-shield";
import gql from "graphql-tag";
import { describe, expect, it } from "vitest";
import { applyShield } from "./shield";

// The CommonJS build of graphql, the one @apollo/subgraph's schema was made with.
const { graphql } = createRequire(import.meta.url)("graphql") as typeof import("graphql");

const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Item @key(fields: "id") {
    id: ID!
    name: String!
    secret: String
  }
  type Other @key(fields: "id") {
    id: ID!
  }
  type Query {
    items(count: Int!): [Item!]!
    unruled: Int
  }
  type Mutation {
    touch: Boolean
  }
`;

const resolvers = {
  Query: {
    items: (_: unknown, { count }: { count: number }) =>
      Array.from({ length: count }, (_, i) => ({ id: String(i), name: `item ${i}`, secret: "s" })),
    unruled: () => 1,
  },
  Mutation: { touch: () => true },
  Item: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `item ${ref.id}`, secret: "s" }),
  },
  Other: { __resolveReference: (ref: { id: string }) => ref },
};

const signedIn = rule("signedIn", { cache: "contextual" })((_p, _a, ctx: { user?: string }) =>
  ctx.user ? true : new AppError("UNAUTHENTICATED", "sign in required"),
);

/** Root rules and an entity rule for Item (Other has none). */
const guarded = () =>
  applyShield(buildSubgraphSchema({ typeDefs, resolvers }), { Query: { items: signedIn }, Item: signedIn });

/** A field rule on Item.secret, counting its calls. */
const withFieldRule = (calls: { secret: number }) =>
  applyShield(buildSubgraphSchema({ typeDefs, resolvers }), {
    Query: { items: signedIn },
    Item: {
      secret: rule("countSecret")(() => {
        calls.secret += 1;
        return true;
      }),
    },
  });

const run = async (source: string, contextValue: object, variableValues?: Record<string, unknown>) =>
  graphql({ schema: guarded(), source, contextValue, variableValues });

describe("applyShield", () => {
  it("denies a root field without a rule and allows one whose rule passes", async () => {
    const denied = await run("{ unruled }", { user: "u" });
    expect(denied.errors?.[0]?.message).toBe("not allowed");
    expect((denied.errors?.[0]?.originalError as AppError | undefined)?.code).toBe("FORBIDDEN");
    expect((await run("mutation { touch }", { user: "u" })).errors?.[0]?.message).toBe("not allowed");
    const allowed = await run("{ items(count: 2) { id name } }", { user: "u" });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.items).toHaveLength(2);
  });

  it("answers a failing rule with its own coded error", async () => {
    const result = await run("{ items(count: 1) { id } }", {});
    expect((result.errors?.[0]?.originalError as AppError | undefined)?.code).toBe("UNAUTHENTICATED");
  });

  it("fails a field with the error its rule throws (a database down), not FORBIDDEN", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const schema = applyShield(buildSubgraphSchema({ typeDefs, resolvers }), {
      Query: {
        items: chain(
          signedIn,
          rule("lookup")(() => {
            throw down;
          }),
        ),
      },
    });
    const result = await graphql({
      schema,
      source: "{ items(count: 1) { id } }",
      contextValue: { user: "u" },
    });
    expect(result.errors?.[0]?.originalError).toBe(down);
    expect(result.data).toBeNull();
  });

  it("keeps _service open", async () => {
    const result = await run("{ _service { sdl } }", {});
    expect(result.errors).toBeUndefined();
    expect(result.data?._service).toBeTruthy();
  });

  it("applies the entity rule in _entities and denies entity types without one", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id name } } }`;
    const items = [{ __typename: "Item", id: "7" }];
    const anonymous = await run(query, {}, { r: items });
    expect((anonymous.errors?.[0]?.originalError as AppError | undefined)?.code).toBe("UNAUTHENTICATED");
    const allowed = await run(query, { user: "u" }, { r: items });
    expect(allowed.data?._entities).toEqual([{ id: "7", name: "item 7" }]);
    const other = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Other { id } } }`,
      { user: "u" },
      { r: [{ __typename: "Other", id: "1" }] },
    );
    expect((other.errors?.[0]?.originalError as AppError | undefined)?.code).toBe("FORBIDDEN");
  });

  it("wraps only the fields a rule names below the root", async () => {
    const calls = { secret: 0 };
    const schema = withFieldRule(calls);
    const result = await graphql({
      schema,
      source: "{ items(count: 500) { id name secret } }",
      contextValue: { user: "u" },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.items).toHaveLength(500);
    expect(calls.secret).toBe(500);
    // Item.name has no field rule: its resolver is not wrapped by the shield.
    const fields = (
      schema.getType("Item") as unknown as { getFields: () => Record<string, { resolve?: unknown }> }
    ).getFields();
    expect(fields.name?.resolve).toBeUndefined();
    expect(fields.secret?.resolve).toBeTypeOf("function");
  });

  // chain and race are the code patches/graphql-shield+7.6.5.patch changes: 7.6.5 imports
  // util.isUndefined, which Node 23 removed, and crashed on load on Node 24. CI runs this on 24.
  it("combines rules with chain (first failure wins) and race (first success wins)", async () => {
    const isAdmin = rule("isAdmin", { cache: "contextual" })((_p, _a, ctx: { admin?: boolean }) =>
      ctx.admin ? true : new AppError("FORBIDDEN", "administrators only"),
    );
    const schema = applyShield(buildSubgraphSchema({ typeDefs, resolvers }), {
      Query: { items: chain(signedIn, isAdmin), unruled: race(isAdmin, signedIn) },
    });
    const codeOf = async (source: string, contextValue: object) => {
      const result = await graphql({ schema, source, contextValue });
      const error = result.errors?.[0]?.originalError as AppError | undefined;
      return result.errors ? error?.code : "OK";
    };
    expect(await codeOf("{ items(count: 1) { id } }", {})).toBe("UNAUTHENTICATED");
    expect(await codeOf("{ items(count: 1) { id } }", { user: "u" })).toBe("FORBIDDEN");
    expect(await codeOf("{ items(count: 1) { id } }", { user: "u", admin: true })).toBe("OK");
    expect(await codeOf("{ unruled }", { user: "u" })).toBe("OK");
    expect(await codeOf("{ unruled }", { admin: true })).toBe("OK");
    // When every rule of a race fails, graphql-shield answers with the last rule's error.
    expect(await codeOf("{ unruled }", {})).toBe("UNAUTHENTICATED");
  });

  it("refuses rules for types the schema does not have", () => {
    expect(() => applyShield(buildSubgraphSchema({ typeDefs, resolvers }), { Nope: signedIn })).toThrow(
      /Nope/,
    );
  });
});
