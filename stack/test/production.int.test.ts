import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ SANDBOX: "false" });
});
afterAll(() => t.close());

describe("with the Sandbox off (production default)", () => {
  it("refuses introspection and serves no landing page", async () => {
    const res = await t.gql("{ __schema { types { name } } }");
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const page = await httpRequest(t.stack.gatewayUrl, { method: "GET", headers: { accept: "text/html" } });
    expect(page.body).not.toContain("embeddable-sandbox");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
  });
});
