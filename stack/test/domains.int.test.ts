import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addDomain,
  CURRENT_SITE,
  claimed,
  type DomainView,
  proven,
  publish,
  SET_PRIMARY,
  startTestDnsServer,
  type TestDnsServer,
  VERIFY_DOMAIN as VERIFY,
  verifyDomain,
} from "./domain-helpers";
import {
  createOrganizationWithRoles,
  createSiteAt,
  errorCode,
  SITE_FIELDS,
  siteMutation,
  startTestStack,
  type TestStack,
} from "./helpers";

// Custom domains with verification on, as in production: the sites subgraph looks TXT records up
// through a real DNS server on loopback (DNS_SERVERS), and only VERIFIED domains route.
// Verification itself (errors, squatting, renewal, plan caps, the job, the grace period):
// domain-verification.int.test.ts.

const BASE = "taruvi.test";
let t: TestStack;
let dns: TestDnsServer;
let org: Awaited<ReturnType<typeof createOrganizationWithRoles>>;

beforeAll(async () => {
  dns = await startTestDnsServer();
  t = await startTestStack(
    { BASE_DOMAIN: BASE, DOMAIN_VERIFICATION: "on", DNS_SERVERS: dns.address },
    { worker: false },
  );
  org = await createOrganizationWithRoles(t, "ENTERPRISE");
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

const REMOVE = `mutation ($id: ID!) { removeDomain(id: $id) { ${SITE_FIELDS} } }`;

const newSite = async () => {
  const { site, res } = await createSiteAt(t, org.tokens.owner, { organizationId: org.organization.id });
  expect(res.json.errors).toBeUndefined();
  return site as { id: string; slug: string };
};
const newHost = () => `${randomSlug("app")}.customer.example`;
const verified = (siteId: string, domain: string) => proven(t, dns, org.tokens.admin, siteId, domain);
const primaries = async (siteId: string) =>
  (await t.db.platform.domain.findMany({ where: { siteId, isPrimary: true } })).map((d) => d.hostname);

describe("custom domains", () => {
  it("answers at a domain only once it is verified, from the very next request on; the first verified is primary", async () => {
    const site = await newSite();
    const host = newHost();
    expect(errorCode(await t.gql(CURRENT_SITE, { host }))).toBe("TENANT_NOT_FOUND");

    const pending = await claimed(t, org.tokens.admin, site.id, `  ${host.toUpperCase()}. `);
    expect(pending).toMatchObject({
      hostname: host,
      status: "PENDING",
      isPrimary: false,
      verifiedAt: null,
      graceUntil: null,
      site: { id: site.id },
      verification: { recordName: `_taruvi-challenge.${host}`, recordType: "TXT" },
    });
    expect(pending.verification.recordValue).toMatch(/^taruvi-domain-verification=[A-Za-z0-9_-]{43}$/);
    // A claim is not proof: the host name does not route, not even to the claimant.
    const refused = await t.gql(CURRENT_SITE, { host });
    expect(refused.status).toBe(404);
    expect(errorCode(refused)).toBe("TENANT_NOT_FOUND");

    publish(dns, pending);
    const first = (await verifyDomain(t, org.tokens.admin, pending.id)).json.data.verifyDomain as DomainView;
    expect(first).toMatchObject({ id: pending.id, status: "VERIFIED", isPrimary: true, expiresAt: null });
    expect(dns.asked()).toContain(`_taruvi-challenge.${host}`);
    expect((await t.gql(CURRENT_SITE, { host })).json.data).toEqual({ currentSite: { slug: site.slug } });
    expect((await t.gql(CURRENT_SITE, { host: `${host.toUpperCase()}:4000` })).json.data.currentSite).toEqual(
      {
        slug: site.slug,
      },
    );

    const second = await verified(site.id, `xn--bcher-kva.${randomSlug("d")}.example`);
    expect(second).toMatchObject({ status: "VERIFIED", isPrimary: false });
    const view = await t.gql(`query ($slug: String!) { site(slug: $slug) { ${SITE_FIELDS} } }`, {
      token: org.tokens.member,
      variables: { slug: site.slug },
    });
    expect(view.json.data.site.primaryDomain).toEqual({ id: first.id, hostname: host });
    expect(view.json.data.site.domains.map((d: { hostname: string }) => d.hostname)).toEqual([
      host,
      second.hostname,
    ]);
  });

  it("keeps host names unique among VERIFIED domains (CONFLICT on domain), whatever the case; a PENDING claim blocks nobody", async () => {
    const [a, b, c] = [await newSite(), await newSite(), await newSite()];
    const host = newHost();
    // Site a claims first and never proves it; site b proves it and gets it.
    const squat = await claimed(t, org.tokens.admin, a.id, host);
    const owner = await claimed(t, org.tokens.admin, b.id, host);
    expect(owner.verification.recordValue).not.toBe(squat.verification.recordValue);
    publish(dns, owner);
    expect(errorCode(await verifyDomain(t, org.tokens.admin, squat.id))).toBe("BAD_USER_INPUT");
    expect((await verifyDomain(t, org.tokens.admin, owner.id)).json.data.verifyDomain.status).toBe(
      "VERIFIED",
    );
    expect((await t.gql(CURRENT_SITE, { host })).json.data).toEqual({ currentSite: { slug: b.slug } });

    // Now nobody else gets it: not the squatter's pending claim, not a new claim, not b again.
    expect((await verifyDomain(t, org.tokens.admin, squat.id)).json.errors[0]).toMatchObject({
      message: `domain: ${host} is already in use: another site proved it owns it`,
      extensions: { code: "CONFLICT", field: "domain" },
    });
    for (const [siteId, domain] of [
      [c.id, host],
      [a.id, host.toUpperCase()],
      [b.id, host],
    ] as const) {
      const res = await addDomain(t, org.tokens.admin, siteId, domain);
      expect(res.json.errors[0]).toMatchObject({
        message: `domain: ${host} is already in use`,
        extensions: { code: "CONFLICT", field: "domain" },
      });
    }
    expect(await t.db.platform.domain.count({ where: { hostname: host, status: "VERIFIED" } })).toBe(1);
    expect(await t.db.platform.domain.count({ where: { hostname: host, siteId: c.id } })).toBe(0);
  });

  it.each([
    "",
    "https://app.example.com",
    "app.example.com:8443",
    "app.example.com/login",
    "user@app.example.com",
    "127.0.0.1",
    "10.0.0.1.",
    "[::1]",
    "localhost",
    "com",
    "*.example.com",
    "a_b.example.com",
    "-app.example.com",
    "app-.example.com",
    "app..example.com",
    "bücher.example",
    `${"x".repeat(64)}.example.com`,
    `${"abcdefghi.".repeat(26)}com`,
    "evil.example\r\nX-Injected: 1",
    "'; DROP TABLE platform.domains; --",
    BASE,
    `acme.${BASE}`,
    `deep.acme.${BASE.toUpperCase()}`,
  ])("rejects the hostile domain %j with BAD_USER_INPUT on domain", async (domain) => {
    const site = await newSite();
    const res = await addDomain(t, org.tokens.admin, site.id, domain);
    expect(res.json.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "domain" });
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(0);
  });

  it("has exactly one primary under concurrent verifyDomain and setPrimaryDomain calls", async () => {
    const site = await newSite();
    // Concurrent claims, then concurrent proofs: only one becomes primary.
    const claims = await Promise.all(
      [newHost(), newHost(), newHost()].map((h) => claimed(t, org.tokens.admin, site.id, h)),
    );
    for (const claim of claims) publish(dns, claim);
    const proofs = await Promise.all(claims.map((c) => verifyDomain(t, org.tokens.admin, c.id)));
    expect(proofs.map((r) => r.json.errors)).toEqual(proofs.map(() => undefined));
    expect(await primaries(site.id)).toHaveLength(1);
    const ids = claims.map((c) => c.id);
    for (let round = 0; round < 5; round += 1) {
      const results = await Promise.all(
        [...ids, ...ids].map((id) => t.gql(SET_PRIMARY, { token: org.tokens.owner, variables: { id } })),
      );
      expect(results.map((r) => r.json.errors)).toEqual(results.map(() => undefined));
      expect(await primaries(site.id)).toHaveLength(1);
    }
    const chosen = ids[1] as string;
    const set = await t.gql(SET_PRIMARY, { token: org.tokens.admin, variables: { id: chosen } });
    expect(set.json.data.setPrimaryDomain).toMatchObject({ id: chosen, isPrimary: true });
    expect(
      await t.db.platform.domain.count({ where: { siteId: site.id, isPrimary: true, id: chosen } }),
    ).toBe(1);
  });

  it("removes a domain: unreachable at once; a removed primary passes to the oldest remaining VERIFIED one", async () => {
    const site = await newSite();
    // The oldest domain of the site is a PENDING claim: it never becomes primary.
    const pending = await claimed(t, org.tokens.admin, site.id, newHost());
    const [one, two, three] = [await verified(site.id, newHost()), await verified(site.id, newHost())].concat(
      await verified(site.id, newHost()),
    );
    if (!one || !two || !three) throw new Error("three domains");
    expect(one.isPrimary).toBe(true);
    expect((await t.gql(CURRENT_SITE, { host: one.hostname })).status).toBe(200);

    const res = await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: one.id } });
    expect(res.json.data.removeDomain.primaryDomain).toEqual({ id: two.id, hostname: two.hostname });
    expect(res.json.data.removeDomain.domains).toHaveLength(3);
    const gone = await t.gql(CURRENT_SITE, { host: one.hostname });
    expect(gone.status).toBe(404);
    expect(errorCode(gone)).toBe("TENANT_NOT_FOUND");

    await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: three.id } });
    const last = await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: two.id } });
    expect(last.json.data.removeDomain).toMatchObject({
      domains: [{ id: pending.id, hostname: pending.hostname, isPrimary: false }],
      primaryDomain: null,
    });
    expect(errorCode(await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: two.id } }))).toBe(
      "NOT_FOUND",
    );
  });

  it("refuses a suspended site at its custom domain at once, and a deleted site's domain changes", async () => {
    const site = await newSite();
    const domain = await verified(site.id, newHost());
    const pending = await claimed(t, org.tokens.admin, site.id, newHost());
    publish(dns, pending);
    expect((await t.gql(CURRENT_SITE, { host: domain.hostname })).status).toBe(200);
    await siteMutation(t, org.tokens.owner, "suspendSite", site.id);
    const refused = await t.gql(CURRENT_SITE, { host: domain.hostname });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("TENANT_SUSPENDED");

    await siteMutation(t, org.tokens.owner, "deleteSite", site.id);
    expect(errorCode(await addDomain(t, org.tokens.admin, site.id, newHost()))).toBe("CONFLICT");
    expect(
      errorCode(await t.gql(SET_PRIMARY, { token: org.tokens.owner, variables: { id: domain.id } })),
    ).toBe("CONFLICT");
    expect(errorCode(await verifyDomain(t, org.tokens.owner, pending.id))).toBe("CONFLICT");
    expect((await t.db.platform.domain.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe(
      "PENDING",
    );
    await siteMutation(t, org.tokens.owner, "restoreSite", site.id);
    expect((await t.gql(CURRENT_SITE, { host: domain.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
  });

  it("lets members read but not change domains (FORBIDDEN) and hides them from outsiders (NOT_FOUND)", async () => {
    const site = await newSite();
    const domain = await claimed(t, org.tokens.admin, site.id, newHost());
    publish(dns, domain);
    expect(errorCode(await addDomain(t, org.tokens.member, site.id, newHost()))).toBe("FORBIDDEN");
    expect(errorCode(await addDomain(t, org.tokens.outsider, site.id, newHost()))).toBe("NOT_FOUND");
    for (const mutation of [SET_PRIMARY, REMOVE, VERIFY]) {
      expect(
        errorCode(await t.gql(mutation, { token: org.tokens.member, variables: { id: domain.id } })),
      ).toBe("FORBIDDEN");
      const outsider = await t.gql(mutation, { token: org.tokens.outsider, variables: { id: domain.id } });
      expect(outsider.json.errors[0]).toMatchObject({
        message: "domain not found",
        extensions: { code: "NOT_FOUND" },
      });
    }
    expect(errorCode(await addDomain(t, "", site.id, newHost()))).toBe("UNAUTHENTICATED");
    expect(errorCode(await verifyDomain(t, "", domain.id))).toBe("UNAUTHENTICATED");
    expect(await t.db.platform.domain.findMany({ where: { siteId: site.id } })).toMatchObject([
      { id: domain.id, status: "PENDING" },
    ]);
    // A member sees the claim and its record (publishing it is no secret), but cannot prove it.
    const view = await t.gql(`query ($slug: String!) { site(slug: $slug) { domains { id status } } }`, {
      token: org.tokens.member,
      variables: { slug: site.slug },
    });
    expect(view.json.data.site.domains).toEqual([{ id: domain.id, status: "PENDING" }]);
  });
});
