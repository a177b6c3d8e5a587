import { newApiKey } from "@taruvi/auth";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSiteWithAdmin, createWorld, errorCode, startTestStack, type TestStack } from "./helpers";

// Refused requests count and cost nothing: an address sending unknown API keys, bad tokens or
// unknown sites gets 429 after a small allowance, before any lookup. And the address is the one
// the trusted proxy saw: a client cannot pick its own by sending X-Forwarded-For.

let t: TestStack;
let site: { slug: string };

beforeAll(async () => {
  // One trusted hop (the test client's socket stands in for the load balancer).
  t = await startTestStack({ RATE_LIMIT_REJECTED_PER_MINUTE: "5", TRUST_PROXY: "1" });
  const world = await createWorld(t);
  ({ site } = await createSiteWithAdmin(t, world.organization.id));
});
afterAll(() => t.close());

const QUERY = "{ currentSite { slug } }";
const asClient = (client: string, headers: Record<string, string>, tenant?: string) =>
  t.gql(QUERY, { ...(tenant ? { tenant } : {}), headers: { "x-forwarded-for": client, ...headers } });

describe("refused requests from one address", () => {
  it("unknown API keys: 401 five times, then 429 with Retry-After, even for a good request", async () => {
    const client = "198.51.100.1";
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      statuses.push(
        (await asClient(client, { authorization: `ApiKey ${newApiKey().key}` }, site.slug)).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array.from({ length: 7 }, () => 429));
    const good = await asClient(client, {}, site.slug);
    expect(good.status).toBe(429);
    expect(Number(good.headers["retry-after"])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await asClient("198.51.100.2", {}, site.slug)).json.data.currentSite.slug).toBe(site.slug);
  });

  it("unknown sites and bad tokens count too", async () => {
    const client = "198.51.100.3";
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i += 1) codes.push(errorCode(await asClient(client, {}, randomSlug("nope"))));
    for (let i = 0; i < 3; i += 1)
      codes.push(errorCode(await asClient(client, { authorization: "Bearer not-a-token" })));
    expect(codes).toEqual([
      "TENANT_NOT_FOUND",
      "TENANT_NOT_FOUND",
      "TENANT_NOT_FOUND",
      "TENANT_NOT_FOUND",
      "UNAUTHENTICATED",
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);
  });

  it("a client cannot pick its address: the leftmost X-Forwarded-For entries are its own word", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      // Each request claims another origin in front of the address the trusted proxy saw.
      const spoofed = `203.0.113.${i + 1}, 198.51.100.4`;
      statuses.push(
        (await asClient(spoofed, { authorization: `ApiKey ${newApiKey().key}` }, site.slug)).status,
      );
    }
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });
});
