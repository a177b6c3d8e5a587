import { type DocumentNode, type GraphQLError, getOperationAST, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { checkTextArguments, textProblemOf } from "./text-input";

const refusalOf = (query: string | DocumentNode, variables?: Record<string, unknown>) => {
  const document = typeof query === "string" ? parse(query) : query;
  const operation = getOperationAST(document);
  if (!operation) throw new Error("no operation");
  try {
    checkTextArguments(document, operation, variables);
    return null;
  } catch (error) {
    const { message, extensions } = error as GraphQLError;
    return { message, code: extensions.code, field: extensions.field, status: extensions.http };
  }
};

describe("text arguments", () => {
  it("tells NUL and lone surrogates from text, emoji and bidi controls included", () => {
    expect(textProblemOf("a\u0000b")).toMatch(/NUL/);
    expect(textProblemOf("a\uD800b")).toMatch(/lone surrogate/);
    expect(textProblemOf("\uDC00")).toMatch(/lone surrogate/);
    expect(textProblemOf("😀 \u202Eabc ü")).toBeNull();
  });

  it("refuses a variable's string at any depth, naming the argument path without `input`", () => {
    expect(
      refusalOf("mutation ($i: CreateApiKeyInput!) { createApiKey(input: $i) { key } }", {
        i: { name: "ok", scopes: ["users.view", "x\u0000"] },
      }),
    ).toEqual({
      message: "scopes[1]: must not contain NUL characters (U+0000)",
      code: "BAD_USER_INPUT",
      field: "scopes[1]",
      status: { status: 400 },
    });
    expect(
      refusalOf("query ($f: AuditEventFilter) { auditEvents(filter: $f) { edges { cursor } } }", {
        f: { action: "\uD800" },
      })?.field,
    ).toBe("filter.action");
  });

  it("refuses literals (escapes included), variables inside literals, defaults and fragments", () => {
    expect(refusalOf('{ organization(slug: "a\\u0000b") { id } }')?.field).toBe("slug");
    expect(
      refusalOf('mutation ($n: String!) { createGroup(input: { name: $n, description: "d" }) { id } }', {
        n: "\u0000",
      })?.field,
    ).toBe("name");
    expect(refusalOf('query ($s: String! = "\\u0000") { site(slug: $s) { id } }', {})?.field).toBe("slug");
    expect(refusalOf('query { ...F } fragment F on Query { site(slug: "x\\u0000") { id } }')?.field).toBe(
      "slug",
    );
  });

  it("lets ordinary text through, and only looks at variables the operation uses", () => {
    expect(
      refusalOf("mutation ($i: CreateGroupInput!) { createGroup(input: $i) { id } }", {
        i: { name: "Ünïcode 😀", description: "\u202Eright-to-left" },
        unused: "\u0000",
      }),
    ).toBeNull();
  });

  it("checks a document it has seen before the same way: literals every time, variables as sent", () => {
    // Apollo Server hands the same parsed document to every request with the same query text.
    const literal = parse('{ organization(slug: "a\\u0000b") { id } }');
    expect(refusalOf(literal)?.field).toBe("slug");
    expect(refusalOf(literal)?.field).toBe("slug");
    const withVariable = parse("query ($s: String!) { site(slug: $s) { id } }");
    expect(refusalOf(withVariable, { s: "fine" })).toBeNull();
    expect(refusalOf(withVariable, { s: "x\u0000" })?.field).toBe("slug");
    expect(refusalOf(withVariable, { s: "fine again" })).toBeNull();
  });
});
