/**
 * The platform's audit trail through the gateway: superusers see every event; other accounts
 * see the events of organizations where they hold manage_organization (owners and grantees),
 * their sites' events included, and those of sites they were granted admin_site on — nothing
 * else, as an empty list rather than an error. The actor resolves to the account through
 * identity; `_entities` hides what the caller may not see.
 */

import { randomUUID } from "node:crypto";
import { createTestAccount, randomSlug } from "@taruvi/testing";
import { buildClientSchema, getIntrospectionQuery, getNamedType, isObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atSubgraph, nodesOf, readTrail, seedEvents, timeline } from "./audit-helpers";
import { errorOf, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
type Account = { id: string; email: string };
const accounts: Record<
  | "owner"
  | "admin"
  | "member"
  | "orgGrantee"
  | "inviteGrantee"
  | "siteAdminGrantee"
  | "siteAccessGrantee"
  | "otherOwner"
  | "superuser"
  | "outsider",
  Account
> = {} as never;
let organizationId: string;
let siteIds: [string, string];
let otherOrganizationId: string;
/** Marks this file's events, so the superuser's view can be narrowed to them. */
const entityType = `Platform${randomSlug("e").slice(2)}`;
let events: Record<"orgEvent" | "siteOneEvent" | "siteTwoEvent" | "otherOrgEvent" | "accountEvent", string>;
const times = timeline(5, new Date(Date.now() - 60_000));

beforeAll(async () => {
  t = await startTestStack();
  const account = async (isSuperuser = false) => {
    const row = await createTestAccount(t.db.platform, { isSuperuser });
    return { id: row.id, email: row.email };
  };
  for (const name of Object.keys({
    owner: 0,
    admin: 0,
    member: 0,
    orgGrantee: 0,
    inviteGrantee: 0,
    siteAdminGrantee: 0,
    siteAccessGrantee: 0,
    otherOwner: 0,
    outsider: 0,
  }) as (keyof typeof accounts)[]) {
    accounts[name] = await account();
  }
  accounts.superuser = await account(true);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Trail Org",
      members: {
        create: [
          { accountId: accounts.owner.id, role: "OWNER" },
          { accountId: accounts.admin.id, role: "ADMIN" },
          { accountId: accounts.member.id, role: "MEMBER" },
        ],
      },
    },
  });
  organizationId = organization.id;
  const other = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Other Org",
      members: { create: { accountId: accounts.otherOwner.id, role: "OWNER" } },
    },
  });
  otherOrganizationId = other.id;
  siteIds = [(await t.createSite(organizationId)).id, (await t.createSite(organizationId)).id];
  await t.db.platform.objectPermission.createMany({
    data: [
      {
        accountId: accounts.orgGrantee.id,
        objectType: "ORGANIZATION",
        objectId: organizationId,
        permission: "manage_organization",
      },
      {
        accountId: accounts.inviteGrantee.id,
        objectType: "ORGANIZATION",
        objectId: organizationId,
        permission: "invite_members",
      },
      {
        accountId: accounts.siteAdminGrantee.id,
        objectType: "SITE",
        objectId: siteIds[0],
        permission: "admin_site",
      },
      {
        accountId: accounts.siteAccessGrantee.id,
        objectType: "SITE",
        objectId: siteIds[0],
        permission: "access_site",
      },
    ],
  });
  const [orgEvent, siteOneEvent, siteTwoEvent, otherOrgEvent, accountEvent] = await seedEvents(t, null, [
    {
      action: "organization.updated",
      entityType,
      entityId: organizationId,
      actorType: "ACCOUNT",
      actorId: accounts.owner.id,
      organizationId,
      occurredAt: times[0],
      changes: { name: { before: "Org", after: "Trail Org" } },
      requestId: "req-org",
      ip: "198.51.100.1",
      userAgent: "platform-test",
    },
    {
      action: "site.suspended",
      entityType,
      entityId: siteIds[0],
      actorType: "ACCOUNT",
      actorId: accounts.admin.id,
      organizationId,
      siteId: siteIds[0],
      occurredAt: times[1],
    },
    {
      action: "site.updated",
      entityType,
      entityId: siteIds[1],
      actorType: "SYSTEM",
      organizationId,
      siteId: siteIds[1],
      occurredAt: times[2],
    },
    {
      action: "organization.updated",
      entityType,
      entityId: otherOrganizationId,
      actorType: "ACCOUNT",
      actorId: accounts.otherOwner.id,
      organizationId: otherOrganizationId,
      occurredAt: times[3],
    },
    {
      action: "session.created",
      entityType,
      entityId: accounts.outsider.id,
      actorType: "ACCOUNT",
      actorId: accounts.outsider.id,
      occurredAt: times[4],
    },
  ]);
  events = {
    orgEvent: orgEvent as string,
    siteOneEvent: siteOneEvent as string,
    siteTwoEvent: siteTwoEvent as string,
    otherOrgEvent: otherOrgEvent as string,
    accountEvent: accountEvent as string,
  };
});
afterAll(() => t.close());

const nameOf = (id: string) => Object.entries(events).find(([, value]) => value === id)?.[0] ?? id;

const visibleTo = async (who: keyof typeof accounts) => {
  const res = await readTrail(t, {
    token: await t.token(accounts[who].id, null),
    filter: { entityType },
    selection: "id",
  });
  return nodesOf(res).map((n) => nameOf(n.id));
};

describe("who sees which platform events", () => {
  it("owners and manage_organization grantees: their organization's and its sites' events; admin_site grantees: that site's; a superuser: all", async () => {
    const seen: Record<string, string[]> = {};
    for (const who of Object.keys(accounts) as (keyof typeof accounts)[]) seen[who] = await visibleTo(who);
    const organizationEvents = ["siteTwoEvent", "siteOneEvent", "orgEvent"];
    expect(seen).toEqual({
      owner: organizationEvents,
      orgGrantee: organizationEvents,
      siteAdminGrantee: ["siteOneEvent"],
      superuser: ["accountEvent", "otherOrgEvent", ...organizationEvents],
      otherOwner: ["otherOrgEvent"],
      // Filtered out, not refused: an empty list.
      admin: [],
      member: [],
      inviteGrantee: [],
      siteAccessGrantee: [],
      outsider: [],
    });
  });

  it("refuses an anonymous caller", async () => {
    const res = await readTrail(t, { filter: { entityType } });
    expect(errorOf(res)?.code).toBe("UNAUTHENTICATED");
  });

  it("follows a change of role at once", async () => {
    const promoted = await createTestAccount(t.db.platform);
    const membership = await t.db.platform.organizationMember.create({
      data: { organizationId, accountId: promoted.id, role: "MEMBER" },
    });
    const read = async () =>
      nodesOf(
        await readTrail(t, {
          token: await t.token(promoted.id, null),
          filter: { entityType },
          selection: "id",
        }),
      ).length;
    expect(await read()).toBe(0);
    await t.db.platform.organizationMember.update({ where: { id: membership.id }, data: { role: "OWNER" } });
    expect(await read()).toBe(3);
    await t.db.platform.organizationMember.delete({ where: { id: membership.id } });
    expect(await read()).toBe(0);
  });
});

describe("what a platform event shows", () => {
  it("the platform scope, the organization and site, and the acting account resolved by identity", async () => {
    const res = await readTrail(t, { token: await t.token(accounts.owner.id, null), filter: { entityType } });
    expect(res.json.errors).toBeUndefined();
    const [siteTwo, siteOne, org] = nodesOf(res);
    expect(org).toEqual({
      id: events.orgEvent,
      action: "organization.updated",
      entityType,
      entityId: organizationId,
      actorType: "ACCOUNT",
      actorId: accounts.owner.id,
      actor: { id: accounts.owner.id, email: accounts.owner.email },
      occurredAt: times[0]?.toISOString(),
      changes: { name: { before: "Org", after: "Trail Org" } },
      requestId: "req-org",
      ip: "198.51.100.1",
      userAgent: "platform-test",
      scope: "platform",
      organizationId,
      siteId: null,
    });
    expect(siteOne).toMatchObject({
      actorType: "ACCOUNT",
      actor: { id: accounts.admin.id, email: accounts.admin.email },
      organizationId,
      siteId: siteIds[0],
    });
    expect(siteTwo).toMatchObject({ actorType: "SYSTEM", actorId: null, actor: null, siteId: siteIds[1] });
  });

  it("filters and pages the platform trail like a site's", async () => {
    const token = await t.token(accounts.superuser.id, null);
    const first = await readTrail(t, { token, filter: { entityType }, first: 2, selection: "id" });
    expect(first.json.data.auditEvents.pageInfo.hasNextPage).toBe(true);
    const second = await readTrail(t, {
      token,
      filter: { entityType },
      first: 2,
      after: first.json.data.auditEvents.pageInfo.endCursor,
      selection: "id",
    });
    const third = await readTrail(t, {
      token,
      filter: { entityType },
      first: 2,
      after: second.json.data.auditEvents.pageInfo.endCursor,
      selection: "id",
    });
    expect(third.json.data.auditEvents.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: expect.any(String),
    });
    expect([...nodesOf(first), ...nodesOf(second), ...nodesOf(third)].map((n) => nameOf(n.id))).toEqual([
      "accountEvent",
      "otherOrgEvent",
      "siteTwoEvent",
      "siteOneEvent",
      "orgEvent",
    ]);
    const filtered = await readTrail(t, {
      token,
      filter: { entityType, actorId: accounts.owner.id, from: times[0]?.toISOString() },
      selection: "id",
    });
    expect(nodesOf(filtered).map((n) => nameOf(n.id))).toEqual(["orgEvent"]);
  });
});

describe("AuditEvent through _entities (as the gateway's planner asks)", () => {
  const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on AuditEvent { id action } } }`;
  const reps = () => [
    { __typename: "AuditEvent", id: events.orgEvent },
    { __typename: "AuditEvent", id: events.otherOrgEvent },
    { __typename: "AuditEvent", id: randomUUID() },
  ];

  it("resolves what the caller may see and null for the rest", async () => {
    const asOwner = await atSubgraph(
      t,
      "audit",
      { actor: { type: "account", id: accounts.owner.id } },
      ENTITIES,
      {
        r: reps(),
      },
    );
    expect(asOwner.json).toEqual({
      data: { _entities: [{ id: events.orgEvent, action: "organization.updated" }, null, null] },
    });
    const asSuperuser = await atSubgraph(
      t,
      "audit",
      { actor: { type: "account", id: accounts.superuser.id, superuser: true } },
      ENTITIES,
      { r: reps() },
    );
    expect(asSuperuser.json.data._entities.map((e: { id: string } | null) => e?.id ?? null)).toEqual([
      events.orgEvent,
      events.otherOrgEvent,
      null,
    ]);
  });

  it("refuses an anonymous caller", async () => {
    const res = await atSubgraph(t, "audit", { actor: null }, ENTITIES, { r: reps() });
    expect(res.json.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(res.body).not.toContain("organization.updated");
  });
});

describe("append-only through the API", () => {
  it("no mutation of the public schema returns or takes an audit event", async () => {
    const schema = buildClientSchema((await t.gql(getIntrospectionQuery())).json.data);
    const mutation = schema.getMutationType();
    expect(mutation).toBeTruthy();
    const touching = Object.values(mutation?.getFields() ?? {})
      .filter(
        (field) =>
          /audit/i.test(field.name) ||
          getNamedType(field.type).name.startsWith("AuditEvent") ||
          field.args.some((arg) => getNamedType(arg.type).name.startsWith("AuditEvent")),
      )
      .map((field) => field.name);
    expect(touching).toEqual([]);
    // The type is there, as a query result only.
    expect(isObjectType(schema.getType("AuditEvent"))).toBe(true);
  });
});
