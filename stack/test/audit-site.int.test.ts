/**
 * A site's audit trail through the gateway: who may read it (audit.view, for users, groups and
 * API keys alike), what an event shows (the actor resolved by identity through federation),
 * filters and their validation, and isolation between sites.
 */
import { randomUUID } from "node:crypto";
import { newApiKey } from "@taruvi/auth";
import type { ProvisionedSite } from "@taruvi/migrator";
import { createTestAccount, randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodesOf, readTrail, seedEvents, timeline } from "./audit-helpers";
import { accessChangedDirectly } from "./fixtures";
import { createSiteWithAdmin, errorOf, type HttpResult, startTestStack, type TestStack } from "./helpers";

let t: TestStack;
let site: ProvisionedSite;
let otherSite: ProvisionedSite;
let ownerId: string;
const users: Record<
  "admin" | "member" | "auditor" | "groupAuditor" | "other",
  { id: string; email: string }
> = {} as never;
const keys: Record<"audit" | "usersOnly" | "none", { id: string; key: string }> = {} as never;

const insertUser = async (target: ProvisionedSite, name: string) => {
  const email = `${randomSlug("u")}@example.test`;
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${target.schemaName}".users (email, name) VALUES ($1, $2) RETURNING id`,
    [email, name],
  );
  return { id: rows[0]?.id as string, email };
};

const insertKey = async (scopes: string[]) => {
  const made = newApiKey();
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".api_keys (name, prefix, key_hash, scopes, created_by_id)
     VALUES ($1, $2, $3, $4, (SELECT id FROM "${site.schemaName}".users WHERE is_admin AND is_active LIMIT 1)) RETURNING id`,
    [`key ${scopes.join(",")}`, made.prefix, made.hash, scopes],
  );
  return { id: rows[0]?.id as string, key: made.key };
};

beforeAll(async () => {
  t = await startTestStack();
  const owner = await createTestAccount(t.db.platform);
  ownerId = owner.id;
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Audit Org",
      members: { create: { accountId: owner.id, role: "OWNER" } },
    },
  });
  const first = await createSiteWithAdmin(t, organization.id);
  site = first.site;
  otherSite = (await createSiteWithAdmin(t, organization.id)).site;
  const adminId = (
    await t.db.pool.query<{ id: string }>(`SELECT id FROM "${site.schemaName}".users WHERE email = $1`, [
      first.admin.email,
    ])
  ).rows[0]?.id as string;
  users.admin = { id: adminId, email: first.admin.email };
  users.member = await insertUser(site, "Plain Member");
  users.auditor = await insertUser(site, "Auditor");
  users.groupAuditor = await insertUser(site, "Group Auditor");
  users.other = await insertUser(otherSite, "Other Site User");
  const schema = `"${site.schemaName}"`;
  await t.db.pool.query(
    `INSERT INTO ${schema}.permission_grants (permission, principal_type, user_id) VALUES ('audit.view', 'USER', $1)`,
    [users.auditor.id],
  );
  const group = (
    await t.db.pool.query<{ id: string }>(
      `INSERT INTO ${schema}.groups (name) VALUES ('auditors') RETURNING id`,
    )
  ).rows[0]?.id;
  await t.db.pool.query(`INSERT INTO ${schema}.group_members (group_id, user_id) VALUES ($1, $2)`, [
    group,
    users.groupAuditor.id,
  ]);
  await t.db.pool.query(
    `INSERT INTO ${schema}.permission_grants (permission, principal_type, group_id) VALUES ('audit.view', 'GROUP', $1)`,
    [group],
  );
  keys.audit = await insertKey(["audit.view"]);
  keys.usersOnly = await insertKey(["users.manage", "groups.manage"]);
  keys.none = await insertKey([]);
});
afterAll(() => t.close());

type Who = keyof typeof users | "anonymous" | "owner" | `key:${keyof typeof keys}`;

/** The Authorization header of a caller in site A (the other site's user holds a token of site B). */
const authOf = async (who: Who): Promise<Record<string, string>> => {
  if (who === "anonymous") return {};
  if (who.startsWith("key:"))
    return { authorization: `ApiKey ${keys[who.slice(4) as keyof typeof keys].key}` };
  if (who === "owner") return { authorization: `Bearer ${await t.token(ownerId, null)}` };
  const user = users[who as keyof typeof users];
  const of = who === "other" ? otherSite : site;
  return { authorization: `Bearer ${await t.token(user.id, { id: of.id })}` };
};

const trailAs = async (who: Who, args: Parameters<typeof readTrail>[1] = {}) =>
  readTrail(t, { tenant: site.slug, headers: await authOf(who), ...args });

const outcome = (res: HttpResult) => errorOf(res)?.code ?? "ok";

describe("who may read a site's audit trail", () => {
  it("needs audit.view: admins, users granted it directly or through a group, API keys with the scope", async () => {
    const callers: Who[] = [
      "anonymous",
      "member",
      "admin",
      "auditor",
      "groupAuditor",
      "key:audit",
      "key:usersOnly",
      "key:none",
      "other",
      "owner",
    ];
    const actual: Record<string, string> = {};
    for (const who of callers) actual[who] = outcome(await trailAs(who, { selection: "id" }));
    expect(actual).toEqual({
      anonymous: "UNAUTHENTICATED",
      member: "FORBIDDEN",
      admin: "ok",
      auditor: "ok",
      groupAuditor: "ok",
      "key:audit": "ok",
      "key:usersOnly": "FORBIDDEN",
      "key:none": "FORBIDDEN",
      // Tokens of another site and of the platform are worthless here (the gateway: 401).
      other: "UNAUTHENTICATED",
      owner: "UNAUTHENTICATED",
    });
  });

  it("tells a caller without it which permission is missing, and shows no data", async () => {
    const res = await trailAs("member");
    expect(errorOf(res)).toEqual({
      code: "FORBIDDEN",
      field: undefined,
      message: "requires the audit.view permission",
    });
    expect(res.json.data).toBeNull();
  });

  it("stops at once when the grant is revoked (the change is announced to the subgraphs)", async () => {
    const reader = await insertUser(site, "Short-lived Auditor");
    const grant = (
      await t.db.pool.query<{ id: string }>(
        `INSERT INTO "${site.schemaName}".permission_grants (permission, principal_type, user_id)
         VALUES ('audit.view', 'USER', $1) RETURNING id`,
        [reader.id],
      )
    ).rows[0]?.id;
    const token = await t.token(reader.id, { id: site.id });
    const read = () => readTrail(t, { tenant: site.slug, token, selection: "id" });
    expect(outcome(await read())).toBe("ok");
    // Revoking is a delete of the grant row; the audit trail itself is append-only.
    await t.db.pool.query(`DELETE FROM "${site.schemaName}".permission_grants WHERE id = $1`, [grant]);
    await accessChangedDirectly(t, site);
    expect(outcome(await read())).toBe("FORBIDDEN");
  });

  it("checks the caller before the arguments: an anonymous bad filter is UNAUTHENTICATED", async () => {
    const res = await trailAs("anonymous", { filter: { from: "not a date" } });
    expect(errorOf(res)?.code).toBe("UNAUTHENTICATED");
  });
});

describe("what an event shows", () => {
  let ids: string[];
  const entityType = `Shown${randomSlug("e").slice(2)}`;
  const requestId = randomUUID();
  const [userAt, keyAt, systemAt] = timeline(3, new Date(Date.now() - 60_000));

  beforeAll(async () => {
    ids = await seedEvents(t, site.schemaName, [
      {
        action: "user.updated",
        entityType,
        entityId: users.member.id,
        actorType: "USER",
        actorId: users.admin.id,
        occurredAt: userAt,
        changes: { name: { before: "Plain", after: "Plain Member" }, passwordHash: { changed: true } },
        requestId,
        ip: "203.0.113.7",
        userAgent: "audit-test/1.0",
      },
      {
        action: "user.created",
        entityType,
        entityId: "k",
        actorType: "API_KEY",
        actorId: keys.audit.id,
        occurredAt: keyAt,
      },
      { action: "session.revoked", entityType, actorType: "SYSTEM", occurredAt: systemAt },
    ]);
    // The same entity type in site B: never visible from site A.
    await seedEvents(t, otherSite.schemaName, [{ action: "user.created", entityType, actorType: "SYSTEM" }]);
  });

  it("every field, newest first; the actor resolved by identity for a user, null for a key and the system", async () => {
    const res = await trailAs("admin", { filter: { entityType } });
    expect(res.json.errors).toBeUndefined();
    const common = { entityType, scope: `site:${site.id}`, organizationId: null, siteId: site.id };
    expect(nodesOf(res)).toEqual([
      {
        ...common,
        id: ids[2],
        action: "session.revoked",
        entityId: null,
        actorType: "SYSTEM",
        actorId: null,
        actor: null,
        occurredAt: systemAt?.toISOString(),
        changes: null,
        requestId: null,
        ip: null,
        userAgent: null,
      },
      {
        ...common,
        id: ids[1],
        action: "user.created",
        entityId: "k",
        actorType: "API_KEY",
        actorId: keys.audit.id,
        actor: null,
        occurredAt: keyAt?.toISOString(),
        changes: null,
        requestId: null,
        ip: null,
        userAgent: null,
      },
      {
        ...common,
        id: ids[0],
        action: "user.updated",
        entityId: users.member.id,
        actorType: "USER",
        actorId: users.admin.id,
        actor: { id: users.admin.id, email: users.admin.email },
        occurredAt: userAt?.toISOString(),
        changes: { name: { before: "Plain", after: "Plain Member" }, passwordHash: { changed: true } },
        requestId,
        ip: "203.0.113.7",
        userAgent: "audit-test/1.0",
      },
    ]);
  });

  it("an API key with audit.view reads the same events", async () => {
    const res = await trailAs("key:audit", { filter: { entityType }, selection: "id action actorType" });
    expect(nodesOf(res).map((n) => n.id)).toEqual([ids[2], ids[1], ids[0]]);
  });

  it("site B's trail holds only its own event", async () => {
    const res = await readTrail(t, {
      tenant: otherSite.slug,
      token: await t.token(
        (
          await t.db.pool.query<{ id: string }>(
            `SELECT id FROM "${otherSite.schemaName}".users WHERE is_admin`,
          )
        ).rows[0]?.id as string,
        { id: otherSite.id },
      ),
      filter: { entityType },
      selection: "id scope",
    });
    const nodes = nodesOf(res);
    expect(nodes).toHaveLength(1);
    expect(nodes[0].scope).toBe(`site:${otherSite.id}`);
    expect(ids).not.toContain(nodes[0].id);
  });
});

describe("filters", () => {
  const entityType = `Filtered${randomSlug("e").slice(2)}`;
  const times = timeline(6, new Date(Date.now() - 120_000));
  let ids: string[];
  const at = (i: number) => times[i] as Date;

  beforeAll(async () => {
    ids = await seedEvents(t, site.schemaName, [
      {
        action: "user.created",
        entityType,
        entityId: "a",
        actorType: "USER",
        actorId: users.admin.id,
        occurredAt: at(0),
      },
      {
        action: "user.updated",
        entityType,
        entityId: "a",
        actorType: "USER",
        actorId: users.admin.id,
        occurredAt: at(1),
      },
      {
        action: "user.updated",
        entityType,
        entityId: "b",
        actorType: "API_KEY",
        actorId: keys.audit.id,
        occurredAt: at(2),
      },
      {
        action: "user.deactivated",
        entityType,
        entityId: "b",
        actorType: "USER",
        actorId: users.auditor.id,
        occurredAt: at(3),
      },
      { action: "group.created", entityType: `${entityType}Group`, entityId: "a", occurredAt: at(4) },
      { action: "user.restored", entityType, entityId: "a", actorType: "SYSTEM", occurredAt: at(5) },
    ]);
  });

  const idsFor = async (filter: Record<string, unknown>) =>
    nodesOf(await trailAs("admin", { filter, selection: "id" })).map((n) => ids.indexOf(n.id));

  it.each([
    ["entityType", () => ({ entityType }), [5, 3, 2, 1, 0]],
    ["entityType + entityId", () => ({ entityType, entityId: "a" }), [5, 1, 0]],
    ["actorId", () => ({ entityType, actorId: users.admin.id }), [1, 0]],
    ["action", () => ({ entityType, action: "user.updated" }), [2, 1]],
    ["from (inclusive)", () => ({ entityType, from: at(2).toISOString() }), [5, 3, 2]],
    ["to (exclusive)", () => ({ entityType, to: at(2).toISOString() }), [1, 0]],
    ["from and to", () => ({ entityType, from: at(1).toISOString(), to: at(3).toISOString() }), [2, 1]],
    ["a zone offset", () => ({ entityType, from: offsetOf(at(3)) }), [5, 3]],
    [
      "all at once",
      () => ({ entityType, entityId: "b", action: "user.updated", actorId: keys.audit.id }),
      [2],
    ],
    ["nothing matching", () => ({ entityType, action: "nope.never" }), []],
  ])("%s", async (_, filter, expected) => {
    expect(await idsFor(filter())).toEqual(expected);
  });

  it.each([
    ["a word as from", { filter: { from: "yesterday" } }, "filter.from"],
    ["a date-time without a time zone", { filter: { from: "2026-11-27T10:00:00" } }, "filter.from"],
    ["an impossible date", { filter: { to: "2026-13-45" } }, "filter.to"],
    ["to before from", { filter: { from: "2026-11-27T10:00:00Z", to: "2026-11-27T09:00:00Z" } }, "filter.to"],
    ["to equal to from", { filter: { from: "2026-11-27", to: "2026-11-27T00:00:00Z" } }, "filter.to"],
    ["first 0", { first: 0 }, "first"],
    ["first 101", { first: 101 }, "first"],
    ["first negative", { first: -5 }, "first"],
    ["a cursor that is not one", { after: "not-a-cursor" }, "after"],
    [
      "a cursor with a bad id",
      { after: Buffer.from(JSON.stringify([new Date().toISOString(), "x"])).toString("base64url") },
      "after",
    ],
    [
      "a cursor with a bad time",
      { after: Buffer.from(JSON.stringify(["soon", randomUUID()])).toString("base64url") },
      "after",
    ],
  ])("refuses %s: BAD_USER_INPUT naming %s", async (_, args, field) => {
    const res = await trailAs("admin", args);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(res.json.data).toBeNull();
  });

  it("accepts a plain date", async () => {
    const res = await trailAs("admin", {
      filter: { entityType, from: "2000-01-01", to: "2999-12-31" },
      selection: "id",
    });
    expect(nodesOf(res)).toHaveLength(5);
  });
});

/** The same instant written with a +02:00 offset. */
const offsetOf = (date: Date) => {
  const shifted = new Date(date.getTime() + 2 * 3_600_000).toISOString().replace("Z", "");
  return `${shifted}+02:00`;
};

describe("a change made through the API", () => {
  it("is in the trail with the request id, client and actor of the request, and no secret", async () => {
    const requestId = randomUUID();
    const password = `pw-${randomUUID()}`;
    const admin = await authOf("admin");
    const created = await t.gql(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      tenant: site.slug,
      headers: { ...admin, "x-request-id": requestId, "user-agent": "trail-check/2.0" },
      variables: { input: { email: `${randomSlug("new")}@example.test`, password, name: "Through The API" } },
    });
    expect(created.json.errors).toBeUndefined();
    const userId = created.json.data.createUser.id;
    const res = await trailAs("admin", { filter: { entityId: userId } });
    const nodes = nodesOf(res);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      action: "user.created",
      entityType: "User",
      entityId: userId,
      actorType: "USER",
      actorId: users.admin.id,
      actor: { id: users.admin.id, email: users.admin.email },
      requestId,
      userAgent: "trail-check/2.0",
      scope: `site:${site.id}`,
    });
    expect(nodes[0].ip).toBeTruthy();
    expect(nodes[0].changes?.name).toMatchObject({ after: "Through The API" });
    expect(JSON.stringify(res.json)).not.toContain(password);
  });
});
