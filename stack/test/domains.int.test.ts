import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganizationWithRoles,
  createSiteAt,
  errorCode,
  SITE_FIELDS,
  siteMutation,
  startTestStack,
  type TestStack,
} from "./helpers";

const BASE = "taruvi.test";
let t: TestStack;
let org: Awaited<ReturnType<typeof createOrganizationWithRoles>>;

beforeAll(async () => {
  t = await startTestStack({ BASE_DOMAIN: BASE });
  org = await createOrganizationWithRoles(t, "ENTERPRISE");
});
afterAll(() => t.close());

const CURRENT_SITE = "{ currentSite { slug } }";
const ADD =
  "mutation ($input: AddDomainInput!) { addDomain(input: $input) { id hostname isPrimary site { id } } }";
const SET_PRIMARY = "mutation ($id: ID!) { setPrimaryDomain(id: $id) { id hostname isPrimary } }";
const REMOVE = `mutation ($id: ID!) { removeDomain(id: $id) { ${SITE_FIELDS} } }`;

const newSite = async () => {
  const { site, res } = await createSiteAt(t, org.tokens.owner, { organizationId: org.organization.id });
  expect(res.json.errors).toBeUndefined();
  return site as { id: string; slug: string };
};
const newHost = () => `${randomSlug("app")}.customer.example`;
const addDomain = (siteId: string, domain: string, token = org.tokens.admin) =>
  t.gql(ADD, { token, variables: { input: { siteId, domain } } });
const added = async (siteId: string, domain: string) => {
  const res = await addDomain(siteId, domain);
  expect(res.json.errors).toBeUndefined();
  return res.json.data.addDomain as { id: string; hostname: string; isPrimary: boolean };
};
const primaries = async (siteId: string) =>
  (await t.db.platform.domain.findMany({ where: { siteId, isPrimary: true } })).map((d) => d.hostname);

describe("custom domains", () => {
  it("answers at a new domain on the very next request (its negative lookup dropped); the first is primary", async () => {
    const site = await newSite();
    const host = newHost();
    expect(errorCode(await t.gql(CURRENT_SITE, { host }))).toBe("TENANT_NOT_FOUND");

    const first = await added(site.id, `  ${host.toUpperCase()}. `);
    expect(first).toMatchObject({ hostname: host, isPrimary: true, site: { id: site.id } });
    expect((await t.gql(CURRENT_SITE, { host })).json.data).toEqual({ currentSite: { slug: site.slug } });
    expect((await t.gql(CURRENT_SITE, { host: `${host.toUpperCase()}:4000` })).json.data.currentSite).toEqual(
      {
        slug: site.slug,
      },
    );

    const second = await added(site.id, `xn--bcher-kva.${randomSlug("d")}.example`);
    expect(second.isPrimary).toBe(false);
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

  it("keeps host names unique across the platform (CONFLICT on domain), whatever the case", async () => {
    const [a, b] = [await newSite(), await newSite()];
    const host = newHost();
    await added(a.id, host);
    for (const [siteId, domain] of [
      [b.id, host],
      [a.id, host.toUpperCase()],
    ] as const) {
      const res = await addDomain(siteId, domain);
      expect(res.json.errors[0]).toMatchObject({
        message: `domain: ${host} is already in use`,
        extensions: { code: "CONFLICT", field: "domain" },
      });
    }
    expect(await t.db.platform.domain.count({ where: { hostname: host } })).toBe(1);
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
    const res = await addDomain(site.id, domain);
    expect(res.json.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "domain" });
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(0);
  });

  it("has exactly one primary under concurrent setPrimaryDomain and addDomain calls", async () => {
    const site = await newSite();
    // Concurrent first domains: only one becomes primary.
    const firsts = await Promise.all([newHost(), newHost(), newHost()].map((h) => addDomain(site.id, h)));
    expect(firsts.every((r) => r.json.errors === undefined)).toBe(true);
    expect(await primaries(site.id)).toHaveLength(1);
    const ids = firsts.map((r) => r.json.data.addDomain.id as string);
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

  it("removes a domain: unreachable at once; a removed primary passes to the oldest remaining", async () => {
    const site = await newSite();
    const [one, two, three] = [await added(site.id, newHost()), await added(site.id, newHost())].concat(
      await added(site.id, newHost()),
    );
    if (!one || !two || !three) throw new Error("three domains");
    expect((await t.gql(CURRENT_SITE, { host: one.hostname })).status).toBe(200);

    const res = await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: one.id } });
    expect(res.json.data.removeDomain.primaryDomain).toEqual({ id: two.id, hostname: two.hostname });
    expect(res.json.data.removeDomain.domains).toHaveLength(2);
    const gone = await t.gql(CURRENT_SITE, { host: one.hostname });
    expect(gone.status).toBe(404);
    expect(errorCode(gone)).toBe("TENANT_NOT_FOUND");

    await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: three.id } });
    const last = await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: two.id } });
    expect(last.json.data.removeDomain).toMatchObject({ domains: [], primaryDomain: null });
    expect(errorCode(await t.gql(REMOVE, { token: org.tokens.admin, variables: { id: two.id } }))).toBe(
      "NOT_FOUND",
    );
  });

  it("refuses a suspended site at its custom domain at once, and a deleted site's domain changes", async () => {
    const site = await newSite();
    const domain = await added(site.id, newHost());
    expect((await t.gql(CURRENT_SITE, { host: domain.hostname })).status).toBe(200);
    await siteMutation(t, org.tokens.owner, "suspendSite", site.id);
    const refused = await t.gql(CURRENT_SITE, { host: domain.hostname });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe("TENANT_SUSPENDED");

    await siteMutation(t, org.tokens.owner, "deleteSite", site.id);
    expect(errorCode(await addDomain(site.id, newHost()))).toBe("CONFLICT");
    expect(
      errorCode(await t.gql(SET_PRIMARY, { token: org.tokens.owner, variables: { id: domain.id } })),
    ).toBe("CONFLICT");
    await siteMutation(t, org.tokens.owner, "restoreSite", site.id);
    expect((await t.gql(CURRENT_SITE, { host: domain.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
  });

  it("lets members read but not change domains (FORBIDDEN) and hides them from outsiders (NOT_FOUND)", async () => {
    const site = await newSite();
    const domain = await added(site.id, newHost());
    expect(errorCode(await addDomain(site.id, newHost(), org.tokens.member))).toBe("FORBIDDEN");
    expect(errorCode(await addDomain(site.id, newHost(), org.tokens.outsider))).toBe("NOT_FOUND");
    for (const mutation of [SET_PRIMARY, REMOVE]) {
      expect(
        errorCode(await t.gql(mutation, { token: org.tokens.member, variables: { id: domain.id } })),
      ).toBe("FORBIDDEN");
      const outsider = await t.gql(mutation, { token: org.tokens.outsider, variables: { id: domain.id } });
      expect(outsider.json.errors[0]).toMatchObject({
        message: "domain not found",
        extensions: { code: "NOT_FOUND" },
      });
    }
    expect(errorCode(await addDomain(site.id, newHost(), ""))).toBe("UNAUTHENTICATED");
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(1);
  });
});
