/**
 * Hostile input is a 4xx. Every argument and input field of every Query and Mutation of the
 * public API schema (supergraph/api-schema.graphql) gets hostile values of its type, one at a
 * time, as variables, while the other required arguments get plausible values (real ids of a
 * world built for the test): NUL bytes, lone surrogates, 100 KB strings, control and
 * bidirectional override characters, numbers out of range, dates beyond years 1-9999, malformed
 * ids and cursors. Each operation goes through the real gateway both to a site (as its admin) and
 * to the platform (as a superuser). No answer is a 5xx or INTERNAL_SERVER_ERROR, no mutation
 * succeeds, nothing in the database changes (a checksum of every table of the platform and of
 * every site schema), and the stack still answers afterwards. Then the regressions of issue 12,
 * item 9, one by one.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hashPassword } from "@taruvi/auth";
import { createSite, defaultMigrationsDirs, loadMigrations, migrateSites } from "@taruvi/migrator";
import { seedSiteAdmin } from "@taruvi/platform";
import { createTestAccount, randomSlug } from "@taruvi/testing";
import {
  buildSchema,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyDirectly, grantDirectly, groupDirectly, type SiteRef, siteUser } from "./fixtures";
import {
  createSiteWithAdmin,
  errorOf,
  type HttpResult,
  httpRequest,
  startTestStack,
  strongPassword,
  type TestStack,
} from "./helpers";

const schema = buildSchema(
  readFileSync(new URL("../../supergraph/api-schema.graphql", import.meta.url), "utf8"),
);

let t: TestStack;
let w: Awaited<ReturnType<typeof createFuzzWorld>>;

beforeAll(async () => {
  t = await startTestStack(
    {
      // Hostile values must reach the subgraphs: no rate limit or body limit stops them first.
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
      RATE_LIMIT_PRINCIPAL_PER_MINUTE: "1000000",
      RATE_LIMIT_TENANT_PER_MINUTE: "1000000",
      BODY_LIMIT_BYTES: "400000",
      SIGNIN_FAILURES_PER_EMAIL_AND_IP: "100000",
      SIGNIN_FAILURES_PER_EMAIL: "100000",
      SIGNIN_FAILURES_PER_IP: "100000",
    },
    { worker: false },
  );
  w = await createFuzzWorld(t);
});
afterAll(() => t.close());

/** A superuser owning an organization with a member, a site with its admin, a user, a group, a key, a grant, an invitation, a domain. */
const createFuzzWorld = async (t: TestStack) => {
  const superuser = await createTestAccount(t.db.platform, { isSuperuser: true });
  const member = await createTestAccount(t.db.platform);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Fuzz Org",
      plan: "ENTERPRISE",
      members: {
        create: [
          { accountId: superuser.id, role: "OWNER" },
          { accountId: member.id, role: "MEMBER" },
        ],
      },
    },
  });
  const { site } = await createSiteWithAdmin(t, organization.id);
  const admin = await siteUser(t, site, { admin: true });
  const user = await siteUser(t, site);
  const group = await groupDirectly(t, site);
  const apiKey = await apiKeyDirectly(t, site, ["users.view"]);
  const grant = await grantDirectly(t, site, { userId: user.id }, "users.view");
  const invitation = await t.db.platform.invitation.create({
    data: {
      organizationId: organization.id,
      email: `${randomSlug("inv")}@example.test`,
      role: "MEMBER",
      tokenHash: randomBytes(32).toString("hex"),
      expiresAt: new Date(Date.now() + 86_400_000),
      invitedById: superuser.id,
    },
  });
  const domain = await t.db.platform.domain.create({
    data: {
      siteId: site.id,
      hostname: `${randomSlug("d")}.example.com`,
      isPrimary: true,
      status: "VERIFIED",
      verificationToken: randomBytes(32).toString("base64url"),
    },
  });
  return {
    organization,
    site,
    ids: { superuser: superuser.id, member: member.id, admin: admin.id, user: user.id, group, grant },
    apiKey: apiKey.id,
    invitation: invitation.id,
    domain: domain.id,
    tokens: { site: await admin.token(), platform: await t.token(superuser.id, null) },
  };
};

type Scope = "site" | "platform";

// ---- Hostile values ------------------------------------------------------------------------

type Hostile = { label: string; value: unknown };

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const LARGE = "x".repeat(100_000);

/** Refused at the gateway in any string, whatever the field. */
const UNSTORABLE: Hostile[] = [
  { label: "a NUL byte", value: "nul\u0000byte" },
  { label: "a lone surrogate", value: "lone\uD800surrogate" },
];

const HOSTILE = {
  text: [
    ...UNSTORABLE,
    { label: "100 KB", value: LARGE },
    { label: "a bidi override", value: "\u202Etxt.exe" },
    { label: "an ANSI escape", value: "\u001b[2J" },
    { label: "a number", value: 12345 },
  ],
  id: [
    ...UNSTORABLE,
    { label: "not a UUID", value: "not-a-uuid" },
    { label: "an unknown UUID", value: NIL_UUID },
    { label: "SQL", value: "'; DROP TABLE users; --" },
    { label: "100 KB", value: LARGE },
    { label: "a float", value: 1.5 },
  ],
  date: [
    ...UNSTORABLE,
    { label: "year 275760", value: "+275760-09-13T00:00:00.000Z" },
    { label: "year 10000", value: "10000-01-01T00:00:00Z" },
    { label: "year 10000 by its offset", value: "9999-12-31T23:59:59-23:59" },
    { label: "year 0", value: "0000-01-01T00:00:00Z" },
    { label: "year -1", value: "-000001-01-01T00:00:00Z" },
    { label: "February 31", value: "2026-02-31T00:00:00Z" },
    { label: "garbage", value: "tomorrow" },
  ],
  cursor: [
    ...UNSTORABLE,
    { label: "not base64", value: "!!not-a-cursor!!" },
    { label: "an id that is not a UUID", value: cursorOf(["2020-01-01T00:00:00.000Z", "x"]) },
    { label: "year 275760", value: cursorOf(["+275760-09-13T00:00:00.000Z", NIL_UUID]) },
    { label: "year -271821", value: cursorOf(["-271821-04-20T00:00:00.000Z", NIL_UUID]) },
    { label: "an object", value: cursorOf({ at: 1 }) },
    { label: "100 KB", value: "A".repeat(100_000) },
  ],
  int: [
    { label: "2^31", value: 2 ** 31 },
    { label: "-1", value: -1 },
    { label: "0", value: 0 },
    { label: "1e308", value: 1e308 },
    { label: "a float", value: 1.5 },
    { label: "a string", value: "NaN" },
  ],
  boolean: [
    { label: "a string", value: "yes" },
    { label: "a number", value: 1 },
  ],
  enum: [
    { label: "an unknown value", value: "NOT_A_VALUE" },
    { label: "lower case", value: "member" },
  ],
} satisfies Record<string, Hostile[]>;

/** The hostile values of a leaf, by its type and, for strings, its name. */
const hostileFor = (leaf: Leaf): Hostile[] => {
  const named = getNamedType(leaf.type);
  const name = leaf.path.at(-1);
  const values = isEnumType(named)
    ? HOSTILE.enum
    : named.name === "Int"
      ? HOSTILE.int
      : named.name === "Boolean"
        ? HOSTILE.boolean
        : named.name === "ID"
          ? HOSTILE.id
          : name === "after"
            ? HOSTILE.cursor
            : name === "expiresAt" || name === "from" || name === "to"
              ? HOSTILE.date
              : HOSTILE.text;
  if (!isListType(getNullableType(leaf.type))) return values;
  return [
    ...values.map(({ label, value }) => ({ label: `[${label}]`, value: [value] })),
    { label: "[null]", value: [null] },
  ];
};

// ---- Plausible values ----------------------------------------------------------------------

let serial = 0;

/** A plausible id for an argument of `field` named `name`, in `scope`. */
const plausibleId = (scope: Scope, field: string, name: string): string => {
  const site = scope === "site";
  const byField: Record<string, string> = site
    ? {
        group: w.ids.group,
        updateGroup: w.ids.group,
        deleteGroup: w.ids.group,
        revokeApiKey: w.apiKey,
        revokePermission: w.ids.grant,
      }
    : {
        updateOrganization: w.organization.id,
        resendInvitation: w.invitation,
        revokeInvitation: w.invitation,
        updateSite: w.site.id,
        suspendSite: w.site.id,
        resumeSite: w.site.id,
        deleteSite: w.site.id,
        restoreSite: w.site.id,
        setPrimaryDomain: w.domain,
        removeDomain: w.domain,
      };
  const byName: Record<string, string> = {
    id: byField[field] ?? (site ? w.ids.user : w.ids.member),
    userId: site ? w.ids.user : w.ids.member,
    principalId: site ? w.ids.user : w.ids.member,
    accountId: w.ids.member,
    groupId: w.ids.group,
    apiKeyId: w.apiKey,
    objectId: site ? w.ids.group : w.organization.id,
    organizationId: w.organization.id,
    siteId: w.site.id,
  };
  return byName[name] ?? NIL_UUID;
};

/** A plausible string for an argument named `name`, in `scope`. */
const plausibleString = (scope: Scope, name: string): string => {
  serial += 1;
  const byName: Record<string, string> = {
    email: `fuzz-${serial}@example.test`,
    adminEmail: `fuzz-${serial}@example.test`,
    password: strongPassword(),
    adminPassword: strongPassword(),
    name: "Plausible Name",
    slug: `plausible-${serial}`,
    domain: `plausible-${serial}.example.com`,
    permission: scope === "site" ? "users.view" : "access_site",
    objectType: scope === "site" ? "Group" : "ORGANIZATION",
    token: randomBytes(32).toString("base64url"),
    refreshToken: randomBytes(32).toString("base64url"),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    from: "2026-01-01T00:00:00Z",
    to: "2027-01-01T00:00:00Z",
  };
  return byName[name] ?? "plausible";
};

const plausible = (scope: Scope, field: string, name: string, type: GraphQLInputType): unknown => {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [plausible(scope, field, name, nullable.ofType)];
  if (isInputObjectType(nullable)) return requiredFields(scope, field, nullable.getFields());
  if (isEnumType(nullable)) return nullable.getValues()[0]?.name;
  switch (nullable.name) {
    case "Int":
      return 5;
    case "Boolean":
      return false;
    case "ID":
      return plausibleId(scope, field, name);
    default:
      return name === "scopes" ? "users.view" : plausibleString(scope, name);
  }
};

/**
 * Optional arguments a plausible request of these operations needs besides the required ones
 * (who is granted, what is changed), so the hostile value is what gets it refused.
 */
const companions = (scope: Scope, field: string): Record<string, Record<string, unknown>> => {
  switch (field) {
    case "grantPermission":
      return {
        input:
          scope === "site"
            ? { userId: w.ids.user }
            : { accountId: w.ids.member, objectType: "SITE", objectId: w.site.id },
      };
    case "updateUser":
    case "updateGroup":
    case "updateOrganization":
    case "updateSite":
      return { input: { name: "Plausible Name" } };
    case "updateSiteSettings":
      return { input: { allowSignup: false } };
    default:
      return {};
  }
};

/** Plausible values for the required (non-null, no default) arguments or input fields. */
const requiredFields = (
  scope: Scope,
  field: string,
  fields: Record<string, { name: string; type: GraphQLInputType; defaultValue?: unknown }>,
): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(fields)
      .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
      .map((f) => [f.name, plausible(scope, field, f.name, f.type)]),
  );

// ---- Operations from the schema ------------------------------------------------------------

/** One argument or input field, e.g. ["input", "settings", "allowSignup"]. */
type Leaf = { path: string[]; type: GraphQLInputType };

const leavesOf = (field: GraphQLField<unknown, unknown>): Leaf[] => {
  const leaves: Leaf[] = [];
  const walk = (path: string[], type: GraphQLInputType) => {
    const named = getNamedType(type);
    if (isInputObjectType(named)) {
      for (const inner of Object.values(named.getFields())) walk([...path, inner.name], inner.type);
    } else {
      leaves.push({ path, type });
    }
  };
  for (const argument of field.args) walk([argument.name], argument.type);
  return leaves;
};

type Case = { scope: Scope; operation: "query" | "mutation"; field: string; leaf: Leaf; hostile: Hostile };

/** `value` at `path` inside `target`, making the objects on the way. */
const setAt = (target: Record<string, unknown>, [key, ...rest]: string[], value: unknown): void => {
  if (key === undefined) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const inner = (target[key] ?? {}) as Record<string, unknown>;
  target[key] = inner;
  setAt(inner, rest, value);
};

/** The request of one case: required arguments plausible, the one leaf hostile. */
const requestOf = ({ scope, operation, field, leaf, hostile }: Case) => {
  const root = (operation === "query" ? schema.getQueryType() : schema.getMutationType())?.getFields()[
    field
  ] as GraphQLField<unknown, unknown>;
  const variables = requiredFields(scope, field, Object.fromEntries(root.args.map((a) => [a.name, a])));
  for (const [name, extra] of Object.entries(companions(scope, field))) {
    variables[name] = { ...(variables[name] as Record<string, unknown> | undefined), ...extra };
  }
  setAt(variables, leaf.path, hostile.value);
  const used = root.args.filter((a) => a.name in variables);
  const declared = used.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const passed = used.map((a) => `${a.name}: $${a.name}`).join(", ");
  const selection = isObjectType(getNamedType(root.type)) ? " { __typename }" : "";
  return {
    query: `${operation} Fuzz${declared ? `(${declared})` : ""} { ${field}${passed ? `(${passed})` : ""}${selection} }`,
    variables,
  };
};

/** Hostile values each leaf gets in each scope, taken in turn from its type's list. */
const PER_LEAF = 2;

/**
 * Every leaf of every operation, in each scope, with PER_LEAF hostile values of its type. The
 * values cycle through the type's list from leaf to leaf (so each leaf sees several, and each
 * value many leaves) to keep the run short; the order is fixed, so runs repeat.
 */
const cases = (): Case[] => {
  const all: Case[] = [];
  const turn = new Map<Hostile[], number>();
  for (const operation of ["query", "mutation"] as const) {
    const type = operation === "query" ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(type?.getFields() ?? {})) {
      for (const leaf of leavesOf(field)) {
        const values = hostileFor(leaf);
        for (const scope of ["site", "platform"] as const) {
          for (let n = 0; n < Math.min(PER_LEAF, values.length); n += 1) {
            const at = turn.get(values) ?? 0;
            turn.set(values, at + 1);
            all.push({
              scope,
              operation,
              field: field.name,
              leaf,
              hostile: values[at % values.length] as Hostile,
            });
          }
        }
      }
    }
  }
  return all;
};

const send = (scope: Scope, body: { query: string; variables?: unknown }) =>
  t.gql(body.query, {
    variables: body.variables,
    ...(scope === "site" ? { tenant: w.site.slug, token: w.tokens.site } : { token: w.tokens.platform }),
  });

/** What is wrong with the answer to a case, or null. */
const problemOf = (c: Case, res: HttpResult): string | null => {
  if (res.status >= 500) return `HTTP ${res.status}`;
  if (!res.json) return `HTTP ${res.status}, not JSON`;
  const codes = (res.json.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code);
  if (codes.includes("INTERNAL_SERVER_ERROR")) return "INTERNAL_SERVER_ERROR";
  // Refused for the wrong reason: the caller's token stopped working, so nothing was tested.
  if (codes.includes("UNAUTHENTICATED") && c.field !== "signIn" && c.field !== "refreshSession") {
    return "UNAUTHENTICATED";
  }
  if (c.operation === "mutation" && codes.length === 0) return "accepted";
  return null;
};

// ---- Nothing written ------------------------------------------------------------------------

/** A checksum of every table of the platform schema and of every site schema, by table. */
const databaseChecksums = async (): Promise<Record<string, string>> => {
  const { rows: tables } = await t.db.pool.query<{ schema: string; table: string }>(
    `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
     WHERE table_type = 'BASE TABLE'
       AND (table_schema = 'platform' OR table_schema IN (SELECT schema_name FROM platform.sites))
     ORDER BY 1, 2`,
  );
  const sums: Record<string, string> = {};
  for (const { schema: s, table } of tables) {
    const { rows } = await t.db.pool.query<{ sum: string | null; count: string }>(
      `SELECT md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))) AS sum, count(*) AS count
       FROM "${s}"."${table}" x`,
    );
    sums[`${s}.${table}`] = `${rows[0]?.count} rows, ${rows[0]?.sum ?? "-"}`;
  }
  return sums;
};

// ---- Tests -----------------------------------------------------------------------------------

describe("every argument of every operation, given hostile values", () => {
  it("answers each with a 4xx or a clear error, accepts no mutation, writes nothing, and keeps the stack up", async () => {
    const all = cases();
    const before = await databaseChecksums();
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < all.length; i = next++) {
        const c = all[i] as Case;
        const res = await send(c.scope, requestOf(c));
        const problem = problemOf(c, res);
        if (problem) {
          problems.push(`${c.scope} ${c.field}(${c.leaf.path.join(".")}: ${c.hostile.label}) → ${problem}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(problems.sort()).toEqual([]);
    expect(await databaseChecksums()).toEqual(before);

    // Still up: the gateway, every subgraph and the database answer.
    const ready = await httpRequest(new URL("/readyz", t.stack.gatewayUrl).toString(), { method: "GET" });
    expect(ready.status, ready.body).toBe(200);
    const me = await send("site", { query: "{ me { id } }" });
    expect(me.json).toEqual({ data: { me: { id: w.ids.admin } } });
  });

  it("takes the plausible values as such: each query answers them without an error in a scope", async () => {
    const refused: string[] = [];
    for (const field of Object.values(schema.getQueryType()?.getFields() ?? {})) {
      if (field.args.length === 0) continue;
      const answers = await Promise.all(
        (["site", "platform"] as const).map(async (scope) => {
          const variables = requiredFields(
            scope,
            field.name,
            Object.fromEntries(field.args.map((a) => [a.name, a])),
          );
          const used = field.args.filter((a) => a.name in variables);
          const declared = used.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
          const passed = used.map((a) => `${a.name}: $${a.name}`).join(", ");
          const query = `query Plausible${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""} { __typename } }`;
          return (await send(scope, { query, variables })).json?.errors?.[0]?.message;
        }),
      );
      if (answers.every(Boolean)) refused.push(`${field.name}: ${answers.join(" / ")}`);
    }
    expect(refused).toEqual([]);
  });

  it("covers every operation that takes arguments, and uses every hostile value", () => {
    const all = cases();
    const operations = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.values(type?.getFields() ?? {})
        .filter((field) => field.args.length > 0)
        .map((field) => field.name),
    );
    expect(new Set(all.map((c) => c.field))).toEqual(new Set(operations));
    const used = new Set(all.map((c) => c.hostile));
    const unused = Object.entries(HOSTILE).flatMap(([type, values]) =>
      values.filter((value) => !used.has(value)).map((value) => `${type}: ${value.label}`),
    );
    expect(unused).toEqual([]);
  });
});

// ---- The regressions, one by one --------------------------------------------------------------

const site = (query: string, variables?: unknown) => send("site", { query, variables });
const countOf = async (table: string) =>
  Number(
    (await t.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${w.site.schemaName}".${table}`))
      .rows[0]?.n,
  );

describe("text the database cannot store (U+0000, lone surrogates)", () => {
  it("is BAD_USER_INPUT naming the argument, HTTP 400, before any subgraph writes", async () => {
    const groups = await countOf("groups");
    const create = "mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }";
    const nul = await site(create, { input: { name: "Fuzz group", description: "a\u0000b" } });
    expect(nul.status).toBe(400);
    expect(errorOf(nul)).toEqual({
      code: "BAD_USER_INPUT",
      field: "description",
      message: "description: must not contain NUL characters (U+0000)",
    });
    const surrogate = await site(create, { input: { name: "Fuzz \uDC00 group" } });
    expect(surrogate.status).toBe(400);
    expect(errorOf(surrogate)).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    expect(await countOf("groups")).toBe(groups);
  });

  it("in a literal argument too, and in queries of both scopes", async () => {
    const search = await site('{ users(filter: { search: "a\\u0000b" }) { edges { cursor } } }');
    expect(search.status).toBe(400);
    expect(errorOf(search)).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.search" });
    const org = await send("platform", {
      query: "query ($slug: String!) { organization(slug: $slug) { id } }",
      variables: { slug: "acme\u0000" },
    });
    expect(org.status).toBe(400);
    expect(errorOf(org)).toMatchObject({ code: "BAD_USER_INPUT", field: "slug" });
  });
});

describe("a users(after:) cursor that is not one", () => {
  it.each([
    ["an id that is not a UUID", cursorOf(["2020-01-01T00:00:00.000Z", "x"])],
    ["a time beyond year 9999", cursorOf(["+275760-09-13T00:00:00.000Z", NIL_UUID])],
    ["garbage", "!!"],
  ])("%s is BAD_USER_INPUT on after", async (_, after) => {
    for (const field of ["users", "auditEvents"]) {
      const res = await site(`query ($after: String) { ${field}(after: $after) { edges { cursor } } }`, {
        after,
      });
      expect(errorOf(res)).toEqual({
        code: "BAD_USER_INPUT",
        field: "after",
        message: "after: is not a cursor returned by this API",
      });
    }
  });

  it("while a cursor the API returned still pages", async () => {
    const first = await site("{ users(first: 1) { edges { node { id } } pageInfo { endCursor } } }");
    const after = first.json.data.users.pageInfo.endCursor;
    const next = await site(
      "query ($after: String) { users(first: 1, after: $after) { edges { node { id } } } }",
      {
        after,
      },
    );
    expect(next.json.errors).toBeUndefined();
    expect(next.json.data.users.edges).toHaveLength(1);
    expect(next.json.data.users.edges[0].node.id).not.toBe(first.json.data.users.edges[0].node.id);
  });
});

describe("an API key's expiresAt beyond year 9999", () => {
  const CREATE =
    "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { expiresAt } } }";

  it.each(["10000-01-01T00:00:00Z", "+020000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"])(
    "%s is BAD_USER_INPUT on expiresAt, stores nothing, and the keys still list",
    async (expiresAt) => {
      const keys = await countOf("api_keys");
      const res = await site(CREATE, { input: { name: "far", scopes: [], expiresAt } });
      expect(errorOf(res)?.code).toBe("BAD_USER_INPUT");
      expect(errorOf(res)?.field).toBe("expiresAt");
      expect(await countOf("api_keys")).toBe(keys);
      const list = await site("{ apiKeys { id expiresAt } }");
      expect(list.json.errors).toBeUndefined();
    },
  );

  it("the last millisecond of 9999 is the latest expiry", async () => {
    const res = await site(CREATE, {
      input: { name: "late", scopes: [], expiresAt: "9999-12-31T23:59:59.999Z" },
    });
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.createApiKey.apiKey.expiresAt).toBe("9999-12-31T23:59:59.999Z");
  });

  it("a key stored with one before the fix is clamped by the migration, and the site's keys list again", async () => {
    // A site still at the migration before 20261202173000_api_key_expiry_bound, holding such a key.
    const head = loadMigrations(defaultMigrationsDirs.tenant);
    const older = head.migrations.filter((m) => m.name < "20261202173000");
    const admin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
    const old = await createSite(
      t.db.pool,
      { organizationId: w.organization.id, slug: randomSlug("site"), name: "Old Site" },
      {
        sets: [{ ...head, migrations: older, head: older.at(-1)?.name ?? null }],
        seed: seedSiteAdmin({
          email: admin.email,
          name: "Admin",
          passwordHash: await hashPassword(admin.password),
        }),
      },
    );
    const ref: SiteRef = { id: old.id, slug: old.slug, schemaName: old.schemaName };
    const key = await apiKeyDirectly(t, ref, []);
    await t.db.pool.query(
      `UPDATE "${ref.schemaName}".api_keys SET expires_at = '20000-01-01 00:00:00+00' WHERE id = $1`,
      [key.id],
    );

    const report = await migrateSites(t.db.pool, { sets: [head] });
    expect(report.failed).toEqual([]);

    const adminId = (
      await t.db.pool.query<{ id: string }>(`SELECT id FROM "${ref.schemaName}".users WHERE email = $1`, [
        admin.email,
      ])
    ).rows[0]?.id as string;
    const list = await t.gql("{ apiKeys { id expiresAt } }", {
      tenant: ref.slug,
      token: await t.token(adminId, ref),
    });
    expect(list.json).toEqual({ data: { apiKeys: [{ id: key.id, expiresAt: "9999-12-31T23:59:59.999Z" }] } });
    // And the database itself refuses a later one now.
    await expect(
      t.db.pool.query(`UPDATE "${ref.schemaName}".api_keys SET expires_at = '10000-01-01 00:00:00+00'`),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

describe("automatic persisted queries", () => {
  const QUERY = "{ currentSite { id } }";
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  const post = (body: unknown) =>
    httpRequest(t.stack.gatewayUrl, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("a hash that does not match the query is 400 BAD_REQUEST", async () => {
    const res = await post({
      query: QUERY,
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256("{ me { id } }") } },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toEqual({
      code: "BAD_REQUEST",
      field: undefined,
      message: "provided sha does not match query",
    });
  });

  it("so is an unsupported version or a malformed extension, by POST or GET", async () => {
    for (const persistedQuery of [
      { version: 2, sha256Hash: sha256(QUERY) },
      "x",
      { version: 1, sha256Hash: 5 },
    ]) {
      const res = await post({ query: QUERY, extensions: { persistedQuery } });
      expect(res.status, JSON.stringify(persistedQuery)).toBe(400);
      expect(errorOf(res)?.code).toBe("BAD_REQUEST");
    }
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } });
    const get = await httpRequest(
      `${t.stack.gatewayUrl}?query=${encodeURIComponent(QUERY)}&extensions=${encodeURIComponent(extensions)}`,
      { method: "GET", headers: { "apollo-require-preflight": "true" } },
    );
    expect(get.status).toBe(400);
    expect(errorOf(get)?.code).toBe("BAD_REQUEST");
  });

  it("while a matching hash registers the query, and the hash alone then runs it", async () => {
    const persistedQuery = { version: 1, sha256Hash: sha256(QUERY) };
    const registered = await post({ query: QUERY, extensions: { persistedQuery } });
    expect(registered.json).toEqual({ data: { currentSite: null } });
    const byHash = await post({ extensions: { persistedQuery } });
    expect(byHash.json).toEqual({ data: { currentSite: null } });
  });
});
