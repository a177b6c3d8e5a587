import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
let limited: TestStack;

beforeAll(async () => {
  [t, limited] = await Promise.all([
    startTestStack({ BODY_LIMIT_BYTES: "4096", MAX_DEPTH: "6", MAX_ALIASES: "5", MAX_TOKENS: "500" }),
    startTestStack({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: "3", RATE_LIMIT_BURST: "2" }),
  ]);
});
afterAll(async () => {
  await Promise.all([t.close(), limited.close()]);
});

const post = (stack: TestStack, body: string, contentType = "application/json") =>
  httpRequest(stack.stack.gatewayUrl, { headers: { "content-type": contentType }, body });

const alive = async (stack: TestStack) => {
  const res = await stack.gql("{ currentSite { id } }");
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ data: { currentSite: null } });
};

describe("bad requests get a 4xx with a code, and the gateway stays up", () => {
  it.each([
    ["malformed JSON", [400, "BAD_REQUEST"], () => post(t, '{"query": "{ currentSite { id } }"')],
    ["a body that is not a GraphQL request", [400, "BAD_REQUEST"], () => post(t, '{"hello": "world"}')],
    [
      "a query that does not parse",
      [400, "GRAPHQL_PARSE_FAILED"],
      () => post(t, '{"query": "{ currentSite { "}'),
    ],
    ["an unknown field", [400, "GRAPHQL_VALIDATION_FAILED"], () => post(t, '{"query": "{ nope }"}')],
    [
      "an oversized body",
      [413, "PAYLOAD_TOO_LARGE"],
      () => post(t, JSON.stringify({ query: `{ currentSite { id } } # ${"x".repeat(8192)}` })),
    ],
    [
      "a too-deep query",
      [400, "GRAPHQL_VALIDATION_FAILED"],
      () =>
        post(
          t,
          JSON.stringify({
            query:
              "{ currentSite { organization { sites { organization { sites { organization { sites { id } } } } } } } }",
          }),
        ),
    ],
    [
      "a query of too many tokens",
      [400, "GRAPHQL_VALIDATION_FAILED"],
      () => post(t, JSON.stringify({ query: `{ currentSite { ${"id ".repeat(600)} } }` })),
    ],
    [
      "an alias bomb",
      [400, "GRAPHQL_VALIDATION_FAILED"],
      () =>
        post(
          t,
          JSON.stringify({
            query: `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: currentSite { id }`).join(" ")} }`,
          }),
        ),
    ],
    [
      "an unknown operation name",
      [400, "OPERATION_RESOLUTION_FAILURE"],
      () => post(t, JSON.stringify({ query: "query A { currentSite { id } }", operationName: "B" })),
    ],
  ])("%s → %s", async (_, expected, send) => {
    const [status, code] = expected as [number, string];
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.json.errors[0].extensions.code).toBe(code);
    expect(res.json.data).toBeUndefined();
    await alive(t);
  });

  it("a form post (CSRF) is refused", async () => {
    const res = await post(
      t,
      "query=%7B%20currentSite%20%7B%20id%20%7D%20%7D",
      "application/x-www-form-urlencoded",
    );
    expect(res.status).toBe(400);
    await alive(t);
  });

  it("an unknown route and method get 404 and 405", async () => {
    const missing = await httpRequest(new URL("/nope", t.stack.gatewayUrl).toString(), { method: "GET" });
    expect(missing.status).toBe(404);
    expect(missing.json.errors[0].extensions.code).toBe("NOT_FOUND");
    const put = await httpRequest(t.stack.gatewayUrl, { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
  });
});

describe("rate limits", () => {
  it("answer 429 with Retry-After and RateLimit headers once the rate and burst are spent", async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestStack["gql"]>> | undefined;
    for (let i = 0; i < 7; i += 1) {
      last = await limited.gql("{ currentSite { id } }");
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers["ratelimit-limit"]).toBe("3");
        expect(last.headers["ratelimit-remaining"]).toBe("2");
        expect(Number(last.headers["ratelimit-reset"])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last?.json.errors[0].extensions.code).toBe("RATE_LIMITED");
    expect(Number(last?.headers["retry-after"])).toBeGreaterThan(0);
    expect(last?.headers["ratelimit-remaining"]).toBe("0");
    // Health checks are not rate limited: the gateway is alive.
    const health = await httpRequest(new URL("/healthz", limited.stack.gatewayUrl).toString(), {
      method: "GET",
    });
    expect(health.status).toBe(200);
  });
});
