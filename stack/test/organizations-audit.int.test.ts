import { randomBytes } from "node:crypto";
import { hashSecret } from "@taruvi/auth";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, type HttpResult, startTestStack, type TestStack } from "./helpers";
import { accountWithToken, platformEventsOf, type StoredEvent, tagged } from "./sites-helpers";

// Every mutation of the organizations subgraph writes exactly one platform audit event, in the
// same transaction as its change, with the right action, entity, actor, organization and diff;
// a denied or failed call writes none; no token or hash ever reaches an event. Each call carries
// its own x-request-id, so the events read back are exactly the ones that call wrote.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof accountWithToken>>;

const CREATE =
  "mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug } }";
const UPDATE = `mutation ($id: ID!, $input: UpdateOrganizationInput!) {
  updateOrganization(id: $id, input: $input) { id name plan } }`;
const SET_ROLE = `mutation ($o: ID!, $u: ID!, $r: OrganizationRole!) {
  updateMemberRole(organizationId: $o, userId: $u, role: $r) { userId role } }`;
const REMOVE = "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
const INVITE =
  "mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id email role status } }";
const ACCEPT = "mutation ($token: String!) { acceptInvitation(token: $token) { id viewerRole } }";
const RESEND = "mutation ($id: ID!) { resendInvitation(id: $id) { id status expiresAt } }";
const REVOKE = "mutation ($id: ID!) { revokeInvitation(id: $id) { id status } }";

/** A call as `who` (null: signed out) with its own request id. */
const call = (who: Account | null, query: string, variables: unknown = {}) =>
  tagged(t, query, { variables, ...(who ? { token: who.token } : {}) });

const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

/** The one event a successful call wrote (fails unless there is exactly one). */
const onlyEvent = async (requestId: string): Promise<StoredEvent> => {
  const events = await platformEventsOf(t, requestId);
  expect(events).toHaveLength(1);
  return events[0] as StoredEvent;
};

/** A refused call: the expected code, and nothing recorded. */
const refused = async ({ res, requestId }: { res: HttpResult; requestId: string }, code: string) => {
  expect(errorOf(res)?.code).toBe(code);
  expect(await platformEventsOf(t, requestId)).toEqual([]);
};

/** An organization (made in the database) with an owner, an admin, a member, an outsider and a superuser. */
const team = async (plan: "FREE" | "PRO" = "PRO") => {
  const [owner, admin, member, outsider, superuser] = await Promise.all([
    accountWithToken(t),
    accountWithToken(t),
    accountWithToken(t),
    accountWithToken(t),
    accountWithToken(t, { superuser: true }),
  ]);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Audit Co",
      plan,
      members: {
        create: [
          { accountId: owner.id, role: "OWNER" },
          { accountId: admin.id, role: "ADMIN" },
          { accountId: member.id, role: "MEMBER" },
        ],
      },
    },
  });
  return { organization, owner, admin, member, outsider, superuser };
};

/** A token shaped like an emailed one. */
const newToken = () => randomBytes(32).toString("base64url");

/** A pending invitation whose token the test knows (the email is not needed to use it). */
const invitationWithToken = async (
  owner: Account,
  organizationId: string,
  email: string,
  role = "MEMBER",
) => {
  const invitation = ok(
    (await call(owner, INVITE, { input: { organizationId, email, role } })).res,
  ).inviteMember;
  const token = newToken();
  await t.db.platform.invitation.update({
    where: { id: invitation.id },
    data: { tokenHash: hashSecret(token) },
  });
  return { invitation, token };
};

describe("createOrganization", () => {
  it("writes organization.created with the new values, as the caller", async () => {
    const owner = await accountWithToken(t);
    const slug = randomSlug("org");
    const { res, requestId } = await call(owner, CREATE, { input: { name: "Fresh Co", slug } });
    const { id } = ok(res).createOrganization;
    expect(await onlyEvent(requestId)).toEqual({
      action: "organization.created",
      entity_type: "Organization",
      entity_id: id,
      actor_type: "ACCOUNT",
      actor_id: owner.id,
      request_id: requestId,
      organization_id: id,
      site_id: null,
      changes: {
        slug: { before: null, after: slug },
        name: { before: null, after: "Fresh Co" },
        plan: { before: null, after: "FREE" },
      },
    });
  });

  it("records nothing for a taken slug, a hostile slug or a signed-out caller", async () => {
    const owner = await accountWithToken(t);
    const slug = randomSlug("org");
    ok((await call(owner, CREATE, { input: { name: "First", slug } })).res);
    await refused(await call(owner, CREATE, { input: { name: "Second", slug } }), "CONFLICT");
    await refused(await call(owner, CREATE, { input: { name: "Bad", slug: "Bad Slug" } }), "BAD_USER_INPUT");
    await refused(
      await call(null, CREATE, { input: { name: "Anon", slug: randomSlug("org") } }),
      "UNAUTHENTICATED",
    );
  });
});

describe("updateOrganization", () => {
  it("records the diff of what changed: a rename by the owner, a plan by a superuser", async () => {
    const w = await team();
    const id = w.organization.id;
    const renamed = await call(w.owner, UPDATE, { id, input: { name: "Renamed Co" } });
    ok(renamed.res);
    expect(await onlyEvent(renamed.requestId)).toMatchObject({
      action: "organization.updated",
      entity_type: "Organization",
      entity_id: id,
      actor_id: w.owner.id,
      organization_id: id,
      changes: { name: { before: "Audit Co", after: "Renamed Co" } },
    });
    const upgraded = await call(w.superuser, UPDATE, { id, input: { plan: "ENTERPRISE" } });
    ok(upgraded.res);
    expect((await onlyEvent(upgraded.requestId)).changes).toEqual({
      plan: { before: "PRO", after: "ENTERPRISE" },
    });
    // Nothing changed, still one event (the mutation succeeded), with no changes.
    const same = await call(w.owner, UPDATE, { id, input: { name: "Renamed Co" } });
    ok(same.res);
    expect((await onlyEvent(same.requestId)).changes).toBeNull();
  });

  it("records nothing when refused: member FORBIDDEN, outsider NOT_FOUND, owner changing the plan, bad input", async () => {
    const w = await team();
    const id = w.organization.id;
    await refused(await call(w.member, UPDATE, { id, input: { name: "Nope" } }), "FORBIDDEN");
    await refused(await call(w.admin, UPDATE, { id, input: { name: "Nope" } }), "FORBIDDEN");
    await refused(await call(w.outsider, UPDATE, { id, input: { name: "Nope" } }), "NOT_FOUND");
    await refused(await call(w.owner, UPDATE, { id, input: { plan: "ENTERPRISE" } }), "FORBIDDEN");
    await refused(await call(w.owner, UPDATE, { id, input: { name: "" } }), "BAD_USER_INPUT");
    await refused(await call(null, UPDATE, { id, input: { name: "Nope" } }), "UNAUTHENTICATED");
    expect((await t.db.platform.organization.findUniqueOrThrow({ where: { id } })).name).toBe("Audit Co");
  });
});

describe("members", () => {
  it("updateMemberRole records member.role_changed with the role's diff", async () => {
    const w = await team();
    const { res, requestId } = await call(w.admin, SET_ROLE, {
      o: w.organization.id,
      u: w.member.id,
      r: "ADMIN",
    });
    ok(res);
    expect(await onlyEvent(requestId)).toMatchObject({
      action: "member.role_changed",
      entity_type: "OrganizationMember",
      entity_id: w.member.id,
      actor_id: w.admin.id,
      organization_id: w.organization.id,
      changes: { role: { before: "MEMBER", after: "ADMIN" } },
    });
  });

  it("removeMember records member.removed; leaving yourself too", async () => {
    const w = await team();
    const removed = await call(w.owner, REMOVE, { o: w.organization.id, u: w.admin.id });
    expect(ok(removed.res).removeMember).toBe(true);
    expect(await onlyEvent(removed.requestId)).toMatchObject({
      action: "member.removed",
      entity_type: "OrganizationMember",
      entity_id: w.admin.id,
      actor_id: w.owner.id,
      organization_id: w.organization.id,
      changes: { role: { before: "ADMIN", after: null } },
    });
    const left = await call(w.member, REMOVE, { o: w.organization.id, u: w.member.id });
    ok(left.res);
    expect(await onlyEvent(left.requestId)).toMatchObject({
      action: "member.removed",
      actor_id: w.member.id,
    });
  });

  it("records nothing for the last owner (CONFLICT), an admin touching an owner (FORBIDDEN) or an outsider", async () => {
    const w = await team();
    const o = w.organization.id;
    await refused(await call(w.owner, SET_ROLE, { o, u: w.owner.id, r: "ADMIN" }), "CONFLICT");
    await refused(await call(w.superuser, REMOVE, { o, u: w.owner.id }), "CONFLICT");
    await refused(await call(w.admin, SET_ROLE, { o, u: w.owner.id, r: "MEMBER" }), "FORBIDDEN");
    await refused(await call(w.member, REMOVE, { o, u: w.admin.id }), "FORBIDDEN");
    await refused(await call(w.outsider, REMOVE, { o, u: w.member.id }), "NOT_FOUND");
    await refused(await call(w.owner, REMOVE, { o, u: w.outsider.id }), "NOT_FOUND");
    expect(await t.db.platform.organizationMember.count({ where: { organizationId: o } })).toBe(3);
  });
});

describe("invitations", () => {
  it("inviteMember records the email and role, never the token or its hash", async () => {
    const w = await team();
    const email = `${randomSlug("inv")}@example.test`;
    const { res, requestId } = await call(w.admin, INVITE, {
      input: { organizationId: w.organization.id, email, role: "ADMIN" },
    });
    const invitation = ok(res).inviteMember;
    const event = await onlyEvent(requestId);
    expect(event).toMatchObject({
      action: "invitation.created",
      entity_type: "Invitation",
      entity_id: invitation.id,
      actor_id: w.admin.id,
      organization_id: w.organization.id,
    });
    expect(event.changes).toEqual({
      email: { before: null, after: email },
      role: { before: null, after: "ADMIN" },
    });
    const row = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(JSON.stringify(event)).not.toContain(row.tokenHash);
  });

  it("records nothing for a refused invitation: plan limit, already invited, member, FORBIDDEN, NOT_FOUND", async () => {
    const w = await team("FREE"); // 3 members of 5
    const o = w.organization.id;
    const invite = (who: Account, email: string, role = "MEMBER") =>
      call(who, INVITE, { input: { organizationId: o, email, role } });
    const first = `${randomSlug("a")}@example.test`;
    ok((await invite(w.owner, first)).res);
    ok((await invite(w.owner, `${randomSlug("b")}@example.test`)).res); // 5 of 5
    await refused(await invite(w.owner, `${randomSlug("c")}@example.test`), "CONFLICT");
    await refused(await invite(w.owner, first), "CONFLICT");
    await refused(await invite(w.owner, w.member.email), "CONFLICT");
    await refused(await invite(w.member, `${randomSlug("d")}@example.test`), "FORBIDDEN");
    await refused(await invite(w.admin, `${randomSlug("e")}@example.test`, "OWNER"), "FORBIDDEN");
    await refused(await invite(w.outsider, `${randomSlug("f")}@example.test`), "NOT_FOUND");
  });

  it("acceptInvitation records one invitation.accepted event for the invitation and the membership", async () => {
    const w = await team();
    const invitee = await accountWithToken(t);
    const { invitation, token } = await invitationWithToken(
      w.owner,
      w.organization.id,
      invitee.email,
      "ADMIN",
    );
    // The wrong account, a malformed token: refused, nothing recorded.
    await refused(await call(w.outsider, ACCEPT, { token }), "FORBIDDEN");
    await refused(await call(invitee, ACCEPT, { token: "nope" }), "BAD_USER_INPUT");

    const { res, requestId } = await call(invitee, ACCEPT, { token });
    expect(ok(res).acceptInvitation).toEqual({ id: w.organization.id, viewerRole: "ADMIN" });
    const event = await onlyEvent(requestId);
    expect(event).toMatchObject({
      action: "invitation.accepted",
      entity_type: "Invitation",
      entity_id: invitation.id,
      actor_type: "ACCOUNT",
      actor_id: invitee.id,
      organization_id: w.organization.id,
      changes: {
        status: { before: "PENDING", after: "ACCEPTED" },
        memberId: { before: null, after: invitee.id },
        memberRole: { before: null, after: "ADMIN" },
      },
    });
    expect(JSON.stringify(event)).not.toContain(token);
    // Used: refused, nothing more recorded.
    await refused(await call(invitee, ACCEPT, { token }), "BAD_USER_INPUT");
  });

  it("resendInvitation records that the token changed (not its value) and the new expiry", async () => {
    const w = await team();
    const { invitation } = await invitationWithToken(
      w.owner,
      w.organization.id,
      `${randomSlug("r")}@example.test`,
    );
    const before = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    const { res, requestId } = await call(w.admin, RESEND, { id: invitation.id });
    ok(res);
    const after = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    const event = await onlyEvent(requestId);
    expect(event).toMatchObject({
      action: "invitation.resent",
      entity_type: "Invitation",
      entity_id: invitation.id,
      actor_id: w.admin.id,
      organization_id: w.organization.id,
      changes: {
        tokenHash: { changed: true },
        expiresAt: { before: before.expiresAt.toISOString(), after: after.expiresAt.toISOString() },
        invitedById: { before: w.owner.id, after: w.admin.id },
      },
    });
    const text = JSON.stringify(event);
    expect(text).not.toContain(before.tokenHash);
    expect(text).not.toContain(after.tokenHash);
  });

  it("revokeInvitation records the status change; a repeat records no change; refused calls nothing", async () => {
    const w = await team();
    const { invitation } = await invitationWithToken(
      w.owner,
      w.organization.id,
      `${randomSlug("v")}@example.test`,
    );
    await refused(await call(w.member, REVOKE, { id: invitation.id }), "FORBIDDEN");
    await refused(await call(w.outsider, REVOKE, { id: invitation.id }), "NOT_FOUND");
    const revoked = await call(w.owner, REVOKE, { id: invitation.id });
    expect(ok(revoked.res).revokeInvitation.status).toBe("REVOKED");
    expect(await onlyEvent(revoked.requestId)).toMatchObject({
      action: "invitation.revoked",
      entity_id: invitation.id,
      organization_id: w.organization.id,
      changes: { status: { before: "PENDING", after: "REVOKED" } },
    });
    const again = await call(w.owner, REVOKE, { id: invitation.id });
    ok(again.res);
    expect((await onlyEvent(again.requestId)).changes).toBeNull();
    // A revoked invitation cannot be re-sent or accepted: nothing recorded.
    await refused(await call(w.owner, RESEND, { id: invitation.id }), "CONFLICT");
  });
});

describe("the organization's whole trail", () => {
  it("holds one event per successful change, none with a secret in it", async () => {
    const owner = await accountWithToken(t);
    const invitee = await accountWithToken(t);
    const created = await call(owner, CREATE, { input: { name: "Trail Co", slug: randomSlug("org") } });
    const { id } = ok(created.res).createOrganization;
    const { invitation, token } = await invitationWithToken(owner, id, invitee.email);
    ok((await call(owner, RESEND, { id: invitation.id })).res);
    const row = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    // The re-send replaced the hash; use a token we know again.
    const fresh = newToken();
    await t.db.platform.invitation.update({
      where: { id: invitation.id },
      data: { tokenHash: hashSecret(fresh) },
    });
    ok((await call(invitee, ACCEPT, { token: fresh })).res);
    ok((await call(owner, SET_ROLE, { o: id, u: invitee.id, r: "ADMIN" })).res);
    ok((await call(owner, UPDATE, { id, input: { name: "Trail Co 2" } })).res);
    ok((await call(owner, REMOVE, { o: id, u: invitee.id })).res);

    const events = await t.db.platform.auditEvent.findMany({
      where: { organizationId: id },
      orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
    });
    expect(events.map((e) => e.action)).toEqual([
      "organization.created",
      "invitation.created",
      "invitation.resent",
      "invitation.accepted",
      "member.role_changed",
      "organization.updated",
      "member.removed",
    ]);
    const text = JSON.stringify(events);
    for (const secret of [token, fresh, row.tokenHash, hashSecret(fresh)]) expect(text).not.toContain(secret);
  });
});
