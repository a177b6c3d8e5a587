import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADD_DOMAIN,
  addDomain,
  CURRENT_SITE,
  claimed,
  type DomainView,
  publish,
  SET_PRIMARY,
  startTestDnsServer,
  type TestDnsServer,
  VERIFY_DOMAIN,
  verifyDomain,
} from "./domain-helpers";
import { allAuditRows, expectNoEvent, expectOneEvent, tagged } from "./fixtures";
import {
  createOrganizationWithRoles,
  createSiteAt,
  errorCode,
  startTestStack,
  type TestStack,
} from "./helpers";

// Proof of ownership of custom domains (docs/decisions/0013): what verifyDomain says when the
// proof is not there, that a claim squats nothing, renewals, the plan's cap, the domains.verify
// job and the grace period of domains from before verification. A real DNS server on loopback
// answers the TXT lookups of the sites subgraph and of the job (DNS_SERVERS).

const PENDING_DAYS = 3;
const DAY_MS = 86_400_000;
let t: TestStack;
let dns: TestDnsServer;
let org: Awaited<ReturnType<typeof createOrganizationWithRoles>>;

beforeAll(async () => {
  dns = await startTestDnsServer();
  t = await startTestStack({
    DOMAIN_VERIFICATION: "on",
    DNS_SERVERS: dns.address,
    DOMAIN_PENDING_DAYS: String(PENDING_DAYS),
  });
  org = await createOrganizationWithRoles(t, "ENTERPRISE");
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

const newSite = async (organization = org) => {
  const { site, res } = await createSiteAt(t, organization.tokens.owner, {
    organizationId: organization.organization.id,
  });
  expect(res.json.errors).toBeUndefined();
  return site as { id: string; slug: string };
};
const newHost = () => `${randomSlug("d")}.verify.example`;
const rowOf = (id: string) => t.db.platform.domain.findUnique({ where: { id } });
const near = (iso: string | null, expected: number, slackMs = 60_000) =>
  expect(Math.abs(new Date(iso ?? 0).getTime() - expected)).toBeLessThan(slackMs);

const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

/** A domain as it stands after the migration: PENDING, routing until `graceUntil`. */
const preexisting = async (siteId: string, graceUntil: Date, isPrimary = true) =>
  t.db.platform.domain.create({
    data: {
      siteId,
      hostname: newHost(),
      isPrimary,
      status: "PENDING",
      verificationToken: `taruvi-domain-verification=${randomSlug("legacy")}`,
      graceUntil,
      expiresAt: graceUntil,
    },
  });

describe("verifyDomain", () => {
  it("says what is wrong and writes nothing: no record, another value, a failing DNS server, an expired claim", async () => {
    const site = await newSite();
    const domain = await claimed(t, org.tokens.admin, site.id, newHost());
    near(domain.expiresAt, Date.now() + PENDING_DAYS * DAY_MS);
    const { recordName, recordValue } = domain.verification;
    const attempt = () => tagged(t, VERIFY_DOMAIN, { token: org.tokens.admin, variables: { id: domain.id } });
    const refusedWith = async (message: string) => {
      const call = await attempt();
      await expectNoEvent(t, call, "BAD_USER_INPUT");
      expect(call.res.json.errors[0]).toMatchObject({ extensions: { field: "domain" } });
      expect(call.res.json.errors[0].message).toContain(message);
      expect(await rowOf(domain.id)).toMatchObject({ status: "PENDING", verifiedAt: null });
    };

    await refusedWith(
      `domain: no TXT record found at ${recordName}: create one with the value ${recordValue}`,
    );
    dns.setTxt(recordName, ["v=spf1 -all", `taruvi-domain-verification=${"x".repeat(43)}`]);
    await refusedWith(`the TXT records at ${recordName} do not hold this domain's value ${recordValue}`);
    dns.failWith(recordName, 2);
    await refusedWith(`the DNS lookup of ${recordName} failed (ESERVFAIL)`);
    expect(errorCode(await t.gql(CURRENT_SITE, { host: domain.hostname }))).toBe("TENANT_NOT_FOUND");

    // The right value, split into two character strings as long TXT values are.
    dns.setTxt(recordName, ["v=spf1 -all", [recordValue.slice(0, 20), recordValue.slice(20)]]);
    const proof = await attempt();
    const event = await expectOneEvent(t, proof);
    expect(proof.res.json.data.verifyDomain).toMatchObject({
      status: "VERIFIED",
      isPrimary: true,
      expiresAt: null,
    });
    near(proof.res.json.data.verifyDomain.verifiedAt, Date.now());
    expect(event).toMatchObject({
      action: "domain.verified",
      entity_type: "Domain",
      entity_id: domain.id,
      actor_type: "ACCOUNT",
      site_id: site.id,
      organization_id: org.organization.id,
      changes: {
        status: { before: "PENDING", after: "VERIFIED" },
        isPrimary: { before: false, after: true },
      },
    });
    expect((await t.gql(CURRENT_SITE, { host: domain.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
    // Again: returned as it is, nothing recorded.
    const again = await attempt();
    expect(again.res.json.data.verifyDomain.status).toBe("VERIFIED");
    expect(await allAuditRows(t, again.requestId)).toEqual([]);

    // An expired claim cannot be proven any more, even with its record in place.
    const late = await claimed(t, org.tokens.admin, site.id, newHost());
    publish(dns, late);
    await t.db.platform.domain.update({
      where: { id: late.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await verifyDomain(t, org.tokens.admin, late.id);
    expect(expired.json.errors[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "domain" } });
    expect(expired.json.errors[0].message).toContain("expired");
    expect((await rowOf(late.id))?.status).toBe("PENDING");
  });

  it("records the claim as domain.added (PENDING); adding it again renews the claim with the same record", async () => {
    const site = await newSite();
    const host = newHost();
    const add = await tagged(t, ADD_DOMAIN, {
      token: org.tokens.admin,
      variables: { input: { siteId: site.id, domain: host } },
    });
    const first = add.res.json.data?.addDomain as DomainView;
    expect(await expectOneEvent(t, add)).toMatchObject({
      action: "domain.added",
      entity_id: first.id,
      changes: {
        hostname: { before: null, after: host },
        status: { before: null, after: "PENDING" },
        isPrimary: { before: null, after: false },
      },
    });
    // The token is not in the trail (it is no secret, but the trail needs no copy of it).
    expect(JSON.stringify((await expectOneEvent(t, add)).changes)).not.toContain(
      first.verification.recordValue,
    );

    const soon = new Date(Date.now() + 60_000);
    await t.db.platform.domain.update({ where: { id: first.id }, data: { expiresAt: soon } });
    const renew = await tagged(t, ADD_DOMAIN, {
      token: org.tokens.owner,
      variables: { input: { siteId: site.id, domain: host.toUpperCase() } },
    });
    const renewed = renew.res.json.data?.addDomain as DomainView;
    expect(renewed).toMatchObject({ id: first.id, status: "PENDING", verification: first.verification });
    near(renewed.expiresAt, Date.now() + PENDING_DAYS * DAY_MS);
    expect(await expectOneEvent(t, renew)).toMatchObject({
      action: "domain.renewed",
      entity_id: first.id,
      changes: { expiresAt: { before: soon.toISOString() } },
    });
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(1);

    // Removed and added again: a new claim with a new token (the old record proves nothing).
    await t.gql("mutation ($id: ID!) { removeDomain(id: $id) { id } }", {
      token: org.tokens.admin,
      variables: { id: first.id },
    });
    const fresh = await claimed(t, org.tokens.admin, site.id, host);
    expect(fresh.id).not.toBe(first.id);
    expect(fresh.verification.recordValue).not.toBe(first.verification.recordValue);
  });

  it("refuses to make a PENDING domain primary (CONFLICT on status)", async () => {
    const site = await newSite();
    const domain = await claimed(t, org.tokens.admin, site.id, newHost());
    const call = await tagged(t, SET_PRIMARY, { token: org.tokens.owner, variables: { id: domain.id } });
    await expectNoEvent(t, call, "CONFLICT");
    expect(call.res.json.errors[0]).toMatchObject({
      message: `status: ${domain.hostname} is not verified yet: verify it before making it primary`,
      extensions: { field: "status" },
    });
    expect((await rowOf(domain.id))?.isPrimary).toBe(false);
  });
});

describe("the plan's cap on domains per site", () => {
  it("refuses a FREE site's third domain (CONFLICT on plan): PENDING claims count, renewals do not", async () => {
    const free = await createOrganizationWithRoles(t, "FREE");
    const limits = await t.gql(
      "query ($slug: String!) { organization(slug: $slug) { limits { maxDomainsPerSite } } }",
      {
        token: free.tokens.member,
        variables: { slug: free.organization.slug },
      },
    );
    expect(limits.json.data.organization.limits).toEqual({ maxDomainsPerSite: 2 });
    const site = await newSite(free);
    const [one] = [
      await claimed(t, free.tokens.admin, site.id, newHost()),
      await claimed(t, free.tokens.admin, site.id, newHost()),
    ];
    if (!one) throw new Error("a claim");
    const third = await tagged(t, ADD_DOMAIN, {
      token: free.tokens.owner,
      variables: { input: { siteId: site.id, domain: newHost() } },
    });
    await expectNoEvent(t, third, "CONFLICT");
    expect(third.res.json.errors[0]).toMatchObject({
      message: "plan: the FREE plan allows 2 custom domains per site; remove one or upgrade to add more",
      extensions: { field: "plan" },
    });
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(2);
    // Renewing a claim adds nothing; removing one makes room.
    expect((await addDomain(t, free.tokens.admin, site.id, one.hostname)).json.errors).toBeUndefined();
    await t.gql("mutation ($id: ID!) { removeDomain(id: $id) { id } }", {
      token: free.tokens.admin,
      variables: { id: one.id },
    });
    expect((await addDomain(t, free.tokens.admin, site.id, newHost())).json.errors).toBeUndefined();
  });

  it("holds under concurrency: of five adds with room for two, two win", async () => {
    const free = await createOrganizationWithRoles(t, "FREE");
    const site = await newSite(free);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => addDomain(t, free.tokens.admin, site.id, newHost())),
    );
    expect(results.map(errorCode).sort()).toEqual(["CONFLICT", "CONFLICT", "CONFLICT", undefined, undefined]);
    expect(await t.db.platform.domain.count({ where: { siteId: site.id } })).toBe(2);
  });
});

describe("the domains.verify job", () => {
  const runJob = async () => {
    const jobs = t.stack.scheduledJobs;
    if (!jobs) throw new Error("the stack runs its worker");
    await jobs.runNow("domains.verify");
  };
  const systemEvents = (entityId: string) =>
    t.db.platform.auditEvent.findMany({
      where: { entityId, actorType: "SYSTEM" },
      orderBy: { occurredAt: "asc" },
    });

  it("verifies the PENDING domains whose record appeared, drops expired claims, and both take effect at the gateway", async () => {
    const site = await newSite();
    const published = await claimed(t, org.tokens.admin, site.id, newHost());
    const silent = await claimed(t, org.tokens.admin, site.id, newHost());
    const stale = await claimed(t, org.tokens.admin, site.id, newHost());
    publish(dns, published);
    publish(dns, stale); // too late: the claim expired
    await t.db.platform.domain.update({
      where: { id: stale.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(errorCode(await t.gql(CURRENT_SITE, { host: published.hostname }))).toBe("TENANT_NOT_FOUND");

    await runJob();
    await waitFor(async () => (await rowOf(stale.id)) === null, "the stale claim to expire");
    await waitFor(async () => (await rowOf(published.id))?.status === "VERIFIED", "the published domain");
    expect(await rowOf(published.id)).toMatchObject({ isPrimary: true, expiresAt: null });
    expect(await rowOf(silent.id)).toMatchObject({ status: "PENDING", checkedAt: expect.any(Date) });
    // Announced: the negative lookup cached a moment ago is gone.
    expect((await t.gql(CURRENT_SITE, { host: published.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
    expect(await systemEvents(published.id)).toMatchObject([
      { action: "domain.verified", siteId: site.id, organizationId: org.organization.id },
    ]);
    expect(await systemEvents(stale.id)).toMatchObject([
      { action: "domain.expired", changes: { hostname: { before: stale.hostname, after: null } } },
    ]);
  });

  it("lets a domain from before verification route while PENDING until its grace ends, cached no longer, then drops it", async () => {
    const site = await newSite();
    const legacy = await preexisting(site.id, new Date(Date.now() + 2_000));
    expect((await t.gql(CURRENT_SITE, { host: legacy.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
    const view = await t.gql(
      "query ($slug: String!) { site(slug: $slug) { primaryDomain { id } domains { status graceUntil } } }",
      {
        token: org.tokens.member,
        variables: { slug: site.slug },
      },
    );
    expect(view.json.data.site).toEqual({
      primaryDomain: { id: legacy.id },
      domains: [{ status: "PENDING", graceUntil: legacy.graceUntil?.toISOString() }],
    });

    // The gateway's cache keeps the lookup no longer than the grace lasts; nothing is announced.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = await t.gql(CURRENT_SITE, { host: legacy.hostname });
    expect(after.status).toBe(404);
    expect(errorCode(after)).toBe("TENANT_NOT_FOUND");

    await runJob();
    await waitFor(async () => (await rowOf(legacy.id)) === null, "the job to drop the expired domain");
    expect((await systemEvents(legacy.id)).map((e) => e.action)).toEqual(["domain.expired"]);
  });

  it("keeps a domain from before verification primary in its grace period, and verifying it ends the grace", async () => {
    const site = await newSite();
    const legacy = await preexisting(site.id, new Date(Date.now() + 14 * DAY_MS));
    dns.setTxt(`_taruvi-challenge.${legacy.hostname}`, [legacy.verificationToken]);
    const res = await verifyDomain(t, org.tokens.admin, legacy.id);
    expect(res.json.data.verifyDomain).toMatchObject({
      status: "VERIFIED",
      isPrimary: true,
      graceUntil: null,
      expiresAt: null,
    });
    expect((await t.gql(CURRENT_SITE, { host: legacy.hostname })).json.data).toEqual({
      currentSite: { slug: site.slug },
    });
  });
});
