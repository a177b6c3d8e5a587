import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, type HttpResult, startTestStack, strongPassword, type TestStack } from "./helpers";
import { accountWithToken, allEventsOf, platformEventsOf, type StoredEvent, tagged } from "./sites-helpers";

// Every site-management mutation writes exactly one event in platform.audit_events, in the same
// transaction as its change, with the organization and site it concerns, the actor and the diff;
// a denied or failed call writes none (anywhere); the admin's password never reaches an event.

const RETENTION_DAYS = 3;
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ SITE_RETENTION_DAYS: String(RETENTION_DAYS) }, { worker: false });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof accountWithToken>>;

const SITE = "id slug name status settings { allowSignup }";
const CREATE = `mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${SITE} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateSiteInput!) { updateSite(id: $id, input: $input) { ${SITE} } }`;
const ADD = "mutation ($input: AddDomainInput!) { addDomain(input: $input) { id hostname isPrimary } }";
const SET_PRIMARY = "mutation ($id: ID!) { setPrimaryDomain(id: $id) { id isPrimary } }";
const REMOVE_DOMAIN = "mutation ($id: ID!) { removeDomain(id: $id) { id } }";
const status = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { ${SITE} } }`;

const call = (who: Account | null, query: string, variables: unknown = {}) =>
  tagged(t, query, { variables, ...(who ? { token: who.token } : {}) });
const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};
const onlyEvent = async (requestId: string): Promise<StoredEvent> => {
  const events = await platformEventsOf(t, requestId);
  expect(events).toHaveLength(1);
  return events[0] as StoredEvent;
};
/** A refused call: the expected code, and nothing recorded, in the platform or the site's schema. */
const refused = async (
  { res, requestId }: { res: HttpResult; requestId: string },
  code: string,
  schemas: string[] = [],
) => {
  expect(errorOf(res)?.code).toBe(code);
  expect(await allEventsOf(t, requestId, schemas)).toEqual([]);
};

const organizationOf = async (plan: "FREE" | "ENTERPRISE" = "ENTERPRISE") => {
  const [owner, admin, member, outsider] = await Promise.all(
    Array.from({ length: 4 }, () => accountWithToken(t)),
  );
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Sites Audit Co",
      plan,
      members: {
        create: [
          { accountId: owner?.id as string, role: "OWNER" },
          { accountId: admin?.id as string, role: "ADMIN" },
          { accountId: member?.id as string, role: "MEMBER" },
        ],
      },
    },
  });
  return {
    organization,
    owner: owner as Account,
    admin: admin as Account,
    member: member as Account,
    outsider: outsider as Account,
  };
};

const siteInput = (organizationId: string, overrides: Record<string, unknown> = {}) => ({
  organizationId,
  name: "Audited Site",
  slug: randomSlug("site"),
  adminEmail: `${randomSlug("admin")}@example.test`,
  adminPassword: strongPassword(),
  ...overrides,
});

/** A site created by the organization's admin through the gateway, with its schema name. */
const siteOf = async (w: Awaited<ReturnType<typeof organizationOf>>) => {
  const { res } = await call(w.admin, CREATE, { input: siteInput(w.organization.id) });
  const site = ok(res).createSite as { id: string; slug: string };
  return { ...site, schema: `site_${site.id.replaceAll("-", "")}` };
};

describe("createSite", () => {
  it("records site.created inside the provisioning transaction, with the admin's email but never the password", async () => {
    const w = await organizationOf();
    const input = siteInput(w.organization.id, { name: "Shop" });
    const { res, requestId } = await call(w.admin, CREATE, { input });
    const site = ok(res).createSite;
    const event = await onlyEvent(requestId);
    expect(event).toEqual({
      action: "site.created",
      entity_type: "Site",
      entity_id: site.id,
      actor_type: "ACCOUNT",
      actor_id: w.admin.id,
      request_id: requestId,
      organization_id: w.organization.id,
      site_id: site.id,
      changes: {
        slug: { before: null, after: input.slug },
        name: { before: null, after: "Shop" },
        status: { before: null, after: "ACTIVE" },
        adminEmail: { before: null, after: input.adminEmail },
      },
    });
    expect(JSON.stringify(event)).not.toContain(input.adminPassword);
    // The site's own trail holds nothing of this request.
    expect(await allEventsOf(t, requestId, [`site_${site.id.replaceAll("-", "")}`])).toHaveLength(1);
  });

  it("records nothing when refused: plan limit, taken slug, bad input, member, outsider, signed out", async () => {
    const free = await organizationOf("FREE");
    ok((await call(free.owner, CREATE, { input: siteInput(free.organization.id) })).res);
    await refused(await call(free.owner, CREATE, { input: siteInput(free.organization.id) }), "CONFLICT");
    const big = await organizationOf();
    const { slug } = await siteOf(big);
    await refused(
      await call(big.owner, CREATE, { input: siteInput(big.organization.id, { slug }) }),
      "CONFLICT",
    );
    await refused(
      await call(big.owner, CREATE, { input: siteInput(big.organization.id, { adminPassword: "short" }) }),
      "BAD_USER_INPUT",
    );
    await refused(await call(big.member, CREATE, { input: siteInput(big.organization.id) }), "FORBIDDEN");
    await refused(await call(big.outsider, CREATE, { input: siteInput(big.organization.id) }), "NOT_FOUND");
    await refused(await call(null, CREATE, { input: siteInput(big.organization.id) }), "UNAUTHENTICATED");
  });
});

describe("updateSite", () => {
  it("records site.updated with the diff of name and settings", async () => {
    const w = await organizationOf();
    const site = await siteOf(w);
    const { res, requestId } = await call(w.owner, UPDATE, {
      id: site.id,
      input: { name: "Renamed", settings: { allowSignup: true } },
    });
    expect(ok(res).updateSite).toMatchObject({ name: "Renamed", settings: { allowSignup: true } });
    expect(await onlyEvent(requestId)).toMatchObject({
      action: "site.updated",
      entity_type: "Site",
      entity_id: site.id,
      actor_id: w.owner.id,
      organization_id: w.organization.id,
      site_id: site.id,
      changes: {
        name: { before: "Audited Site", after: "Renamed" },
        settings: { before: { allowSignup: false }, after: { allowSignup: true } },
      },
    });
    await refused(await call(w.member, UPDATE, { id: site.id, input: { name: "X" } }), "FORBIDDEN", [
      site.schema,
    ]);
    await refused(await call(w.outsider, UPDATE, { id: site.id, input: { name: "X" } }), "NOT_FOUND");
    await refused(await call(w.owner, UPDATE, { id: site.id, input: { name: " " } }), "BAD_USER_INPUT");
  });
});

describe("status changes", () => {
  it("suspend, resume, delete and restore each record their status diff; invalid transitions record nothing", async () => {
    const w = await organizationOf();
    const site = await siteOf(w);
    const steps = [
      ["suspendSite", "site.suspended", "ACTIVE", "SUSPENDED"],
      ["resumeSite", "site.resumed", "SUSPENDED", "ACTIVE"],
      ["deleteSite", "site.deleted", "ACTIVE", "DELETED"],
      ["restoreSite", "site.restored", "DELETED", "ACTIVE"],
    ] as const;
    for (const [mutation, action, before, after] of steps) {
      const { res, requestId } = await call(w.admin, status(mutation), { id: site.id });
      expect(ok(res)[mutation].status).toBe(after);
      expect(await onlyEvent(requestId)).toMatchObject({
        action,
        entity_type: "Site",
        entity_id: site.id,
        actor_id: w.admin.id,
        organization_id: w.organization.id,
        site_id: site.id,
        changes: { status: { before, after } },
      });
    }
    await refused(await call(w.admin, status("resumeSite"), { id: site.id }), "CONFLICT");
    await refused(await call(w.admin, status("restoreSite"), { id: site.id }), "CONFLICT");
    await refused(await call(w.member, status("suspendSite"), { id: site.id }), "FORBIDDEN");
    await refused(await call(w.outsider, status("deleteSite"), { id: site.id }), "NOT_FOUND");
    await refused(await call(null, status("deleteSite"), { id: site.id }), "UNAUTHENTICATED");
  });

  it("a restore refused after retention or by the plan records nothing", async () => {
    const free = await organizationOf("FREE");
    const first = await siteOf(free);
    ok((await call(free.owner, status("deleteSite"), { id: first.id })).res);
    const second = await siteOf(free);
    // The plan has no room for the first one again.
    await refused(await call(free.owner, status("restoreSite"), { id: first.id }), "CONFLICT");
    ok((await call(free.owner, status("deleteSite"), { id: second.id })).res);
    await t.db.platform.site.update({
      where: { id: first.id },
      data: { deletedAt: new Date(Date.now() - (RETENTION_DAYS + 1) * 86_400_000) },
    });
    const late = await call(free.owner, status("restoreSite"), { id: first.id });
    expect(errorOf(late.res)?.message).toContain(`more than ${RETENTION_DAYS} days ago`);
    await refused(late, "CONFLICT");
    expect((await t.db.platform.site.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("DELETED");
  });
});

describe("domains", () => {
  it("addDomain, setPrimaryDomain and removeDomain record domain.* events with their diffs", async () => {
    const w = await organizationOf();
    const site = await siteOf(w);
    const [hostA, hostB] = [`${randomSlug("a")}.customer.example`, `${randomSlug("b")}.customer.example`];
    const addA = await call(w.admin, ADD, { input: { siteId: site.id, domain: hostA } });
    const a = ok(addA.res).addDomain;
    const expected = {
      entity_type: "Domain",
      actor_id: w.admin.id,
      organization_id: w.organization.id,
      site_id: site.id,
    };
    // The stack runs with DOMAIN_VERIFICATION off (development): VERIFIED at once.
    expect(await onlyEvent(addA.requestId)).toMatchObject({
      ...expected,
      action: "domain.added",
      entity_id: a.id,
      changes: {
        hostname: { before: null, after: hostA },
        status: { before: null, after: "VERIFIED" },
        isPrimary: { before: null, after: true },
      },
    });
    const addB = await call(w.admin, ADD, { input: { siteId: site.id, domain: hostB } });
    const b = ok(addB.res).addDomain;
    expect((await onlyEvent(addB.requestId)).changes).toEqual({
      hostname: { before: null, after: hostB },
      status: { before: null, after: "VERIFIED" },
      isPrimary: { before: null, after: false },
    });

    const primary = await call(w.owner, SET_PRIMARY, { id: b.id });
    expect(ok(primary.res).setPrimaryDomain).toEqual({ id: b.id, isPrimary: true });
    expect(await onlyEvent(primary.requestId)).toMatchObject({
      ...expected,
      actor_id: w.owner.id,
      action: "domain.primary_set",
      entity_id: b.id,
      changes: { isPrimary: { before: false, after: true } },
    });

    const removed = await call(w.admin, REMOVE_DOMAIN, { id: b.id });
    ok(removed.res);
    expect(await onlyEvent(removed.requestId)).toMatchObject({
      ...expected,
      action: "domain.removed",
      entity_id: b.id,
      changes: { hostname: { before: hostB, after: null }, isPrimary: { before: true, after: null } },
    });
    // The removed primary passed to the remaining domain.
    expect((await t.db.platform.domain.findUniqueOrThrow({ where: { id: a.id } })).isPrimary).toBe(true);

    // Refused: a host name in use, a bad one, a member, an outsider, a removed domain.
    await refused(await call(w.admin, ADD, { input: { siteId: site.id, domain: hostA } }), "CONFLICT");
    await refused(
      await call(w.admin, ADD, { input: { siteId: site.id, domain: "http://x" } }),
      "BAD_USER_INPUT",
    );
    await refused(
      await call(w.member, ADD, { input: { siteId: site.id, domain: `${randomSlug("m")}.example` } }),
      "FORBIDDEN",
    );
    await refused(await call(w.member, SET_PRIMARY, { id: a.id }), "FORBIDDEN");
    await refused(await call(w.outsider, REMOVE_DOMAIN, { id: a.id }), "NOT_FOUND");
    await refused(await call(w.admin, REMOVE_DOMAIN, { id: b.id }), "NOT_FOUND");
  });
});

describe("the site's whole platform trail", () => {
  it("holds one event per successful change, in order, each naming the organization and the site", async () => {
    const w = await organizationOf();
    const site = await siteOf(w);
    ok((await call(w.admin, UPDATE, { id: site.id, input: { name: "Trail" } })).res);
    const domain = ok(
      (await call(w.admin, ADD, { input: { siteId: site.id, domain: `${randomSlug("t")}.example` } })).res,
    ).addDomain;
    ok((await call(w.admin, status("suspendSite"), { id: site.id })).res);
    // A refused one in between leaves no trace.
    expect(errorOf((await call(w.admin, status("suspendSite"), { id: site.id })).res)?.code).toBe("CONFLICT");
    ok((await call(w.admin, REMOVE_DOMAIN, { id: domain.id })).res);
    const events = await t.db.platform.auditEvent.findMany({
      where: { siteId: site.id },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((e) => e.action)).toEqual([
      "site.created",
      "site.updated",
      "domain.added",
      "site.suspended",
      "domain.removed",
    ]);
    expect(new Set(events.map((e) => e.organizationId))).toEqual(new Set([w.organization.id]));
  });
});
