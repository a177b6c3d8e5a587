import { randomSlug, readEmails, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  errorCode,
  errorOf,
  type HttpResult,
  signedInAccount,
  startTestStack,
  type TestStack,
} from "./helpers";

// Invitations through the real gateway, with the in-process worker writing the emails to
// t.stack.mailDir; invitees sign in for real and accept with the token from their email.

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.close());

type Account = Awaited<ReturnType<typeof signedInAccount>>;

const INVITATION = "id email role status expiresAt createdAt invitedBy { id } organization { id slug }";
const INVITE = `mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { ${INVITATION} } }`;
const ACCEPT = "mutation ($token: String!) { acceptInvitation(token: $token) { id slug viewerRole } }";
const RESEND = `mutation ($id: ID!) { resendInvitation(id: $id) { ${INVITATION} } }`;
const REVOKE = `mutation ($id: ID!) { revokeInvitation(id: $id) { ${INVITATION} } }`;
const LIST = `query ($o: ID!, $s: InvitationStatus) { invitations(organizationId: $o, status: $s) { ${INVITATION} } }`;
const CREATE =
  "mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug } }";
const MEMBERS = "query ($slug: String!) { organization(slug: $slug) { members { userId role } } }";

const as = (who: Account | null, query: string, variables: unknown = {}) =>
  t.gql(query, { variables, ...(who ? { token: who.token } : {}) });
const ok = (res: HttpResult) => {
  expect(res.json.errors).toBeUndefined();
  return res.json.data;
};

/** An organization created through the API by a signed-in owner. */
const organizationOf = async (owner: Account) =>
  ok(await as(owner, CREATE, { input: { name: "Invite Co", slug: randomSlug("org") } }))
    .createOrganization as {
    id: string;
    slug: string;
  };

const invite = async (owner: Account, organizationId: string, email: string, role = "MEMBER") =>
  ok(await as(owner, INVITE, { input: { organizationId, email, role } })).inviteMember;

const tokenOf = (text: string) => {
  const link = /https?:\/\/\S+/.exec(text)?.[0];
  if (!link) throw new Error(`no link in ${text}`);
  return new URL(link);
};

/** The token of an invitation email to `to` whose token is none of `seen` (a re-send's new one). */
const emailedToken = async (to: string, seen: string[] = []) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await readEmails(t.stack.mailDir))
      .filter((mail) => mail.to === to && mail.subject.startsWith("Join "))
      .map((mail) => tokenOf(mail.text).searchParams.get("token") ?? "")
      .find((token) => !seen.includes(token));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no new invitation email to ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const accept = (who: Account | null, token: string) => as(who, ACCEPT, { token });

describe("the invitation lifecycle", () => {
  it("invite → email → accept → member with the role → change role → remove", async () => {
    const owner = await signedInAccount(t, { name: "Olive Owner" });
    const invitee = await signedInAccount(t, { name: "Ivy Invitee" });
    const organization = await organizationOf(owner);

    // The email is normalized; the invitation never carries its token.
    const invitation = await invite(owner, organization.id, `  ${invitee.email.toUpperCase()} `, "ADMIN");
    expect(invitation).toMatchObject({
      email: invitee.email,
      role: "ADMIN",
      status: "PENDING",
      invitedBy: { id: owner.id },
      organization: { id: organization.id, slug: organization.slug },
    });
    const ttl = Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt);
    expect(Math.abs(ttl - 7 * 24 * 3600 * 1000)).toBeLessThan(5000);
    expect(errorCode(await as(owner, '{ invitations(organizationId: "x") { token } }'))).toBe(
      "GRAPHQL_VALIDATION_FAILED",
    );

    const mail = await waitForEmail(t.stack.mailDir, invitee.email, { subject: "Join Invite Co" });
    expect(mail.text).toContain("Olive Owner");
    expect(mail.text).toContain("as ADMIN");
    const url = tokenOf(mail.text);
    expect(`${url.origin}${url.pathname}`).toBe("http://localhost:5173/invitations/accept");
    const token = url.searchParams.get("token") ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored.
    const row = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.tokenHash).not.toContain(token);
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);

    expect(ok(await as(owner, LIST, { o: organization.id })).invitations).toMatchObject([
      { id: invitation.id },
    ]);

    const joined = ok(await accept(invitee, token)).acceptInvitation;
    expect(joined).toEqual({ id: organization.id, slug: organization.slug, viewerRole: "ADMIN" });
    expect(ok(await as(owner, LIST, { o: organization.id })).invitations).toEqual([]);
    expect(ok(await as(owner, LIST, { o: organization.id, s: "ACCEPTED" })).invitations).toMatchObject([
      { id: invitation.id, status: "ACCEPTED" },
    ]);

    const roles = `mutation ($o: ID!, $u: ID!, $r: OrganizationRole!) {
      updateMemberRole(organizationId: $o, userId: $u, role: $r) { role } }`;
    ok(await as(owner, roles, { o: organization.id, u: invitee.id, r: "MEMBER" }));
    expect(ok(await as(invitee, MEMBERS, { slug: organization.slug })).organization.members).toEqual([
      { userId: owner.id, role: "OWNER" },
      { userId: invitee.id, role: "MEMBER" },
    ]);
    const remove = "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }";
    expect(ok(await as(owner, remove, { o: organization.id, u: invitee.id })).removeMember).toBe(true);
    expect(ok(await as(invitee, MEMBERS, { slug: organization.slug })).organization).toBeNull();

    const actions = await t.db.platform.auditEvent.findMany({
      where: { organizationId: organization.id },
      orderBy: { occurredAt: "asc" },
    });
    expect(actions.map((event) => event.action)).toEqual([
      "organization.created",
      "invitation.created",
      "invitation.accepted",
      "member.role_changed",
      "member.removed",
    ]);
    expect(JSON.stringify(actions)).not.toContain(token);
  });
});

describe("accepting", () => {
  it("a used token: BAD_USER_INPUT on token, already used", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const organization = await organizationOf(owner);
    await invite(owner, organization.id, invitee.email);
    const token = await emailedToken(invitee.email);
    ok(await accept(invitee, token));
    const again = await accept(invitee, token);
    expect(errorOf(again)).toMatchObject({ code: "BAD_USER_INPUT", field: "token" });
    expect(errorOf(again)?.message).toContain("already used");
  });

  it("an expired invitation: BAD_USER_INPUT 'expired'; a re-send mails a new token and the old one stops working", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const organization = await organizationOf(owner);
    const invitation = await invite(owner, organization.id, invitee.email);
    const old = await emailedToken(invitee.email);
    await t.db.platform.invitation.update({
      where: { id: invitation.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await accept(invitee, old);
    expect(errorOf(expired)).toMatchObject({ code: "BAD_USER_INPUT", field: "token" });
    expect(errorOf(expired)?.message).toContain("expired");
    expect(ok(await as(owner, LIST, { o: organization.id, s: "EXPIRED" })).invitations).toMatchObject([
      { id: invitation.id, status: "EXPIRED" },
    ]);

    const resent = ok(await as(owner, RESEND, { id: invitation.id })).resendInvitation;
    expect(resent.status).toBe("PENDING");
    expect(Date.parse(resent.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
    const fresh = await emailedToken(invitee.email, [old]);
    expect(fresh).not.toBe(old);
    const stale = await accept(invitee, old);
    expect(errorOf(stale)).toMatchObject({ code: "BAD_USER_INPUT", field: "token" });
    expect(errorOf(stale)?.message).toContain("not a valid invitation token");
    expect(ok(await accept(invitee, fresh)).acceptInvitation.viewerRole).toBe("MEMBER");
  });

  it("someone else's invitation: FORBIDDEN; it stays usable by the invitee", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const intruder = await signedInAccount(t);
    const organization = await organizationOf(owner);
    await invite(owner, organization.id, invitee.email);
    const token = await emailedToken(invitee.email);
    expect(errorOf(await accept(intruder, token))).toEqual({
      code: "FORBIDDEN",
      field: undefined,
      message: "this invitation is for another email address",
    });
    expect(ok(await as(intruder, MEMBERS, { slug: organization.slug })).organization).toBeNull();
    expect(ok(await accept(invitee, token)).acceptInvitation.id).toBe(organization.id);
  });

  it("a revoked invitation: BAD_USER_INPUT 'revoked'; it cannot be re-sent", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const organization = await organizationOf(owner);
    const invitation = await invite(owner, organization.id, invitee.email);
    const token = await emailedToken(invitee.email);
    expect(ok(await as(owner, REVOKE, { id: invitation.id })).revokeInvitation.status).toBe("REVOKED");
    const res = await accept(invitee, token);
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "token" });
    expect(errorOf(res)?.message).toContain("revoked");
    expect(errorOf(await as(owner, RESEND, { id: invitation.id }))).toMatchObject({
      code: "CONFLICT",
      field: "id",
    });
    // A new invitation to the same address works.
    await invite(owner, organization.id, invitee.email);
  });

  it("garbage and unknown tokens: BAD_USER_INPUT on token; signed out: UNAUTHENTICATED; in a site: refused", async () => {
    const invitee = await signedInAccount(t);
    for (const token of ["", "nope", "x".repeat(43), "' OR 1=1 --"]) {
      expect(errorOf(await accept(invitee, token))).toMatchObject({ code: "BAD_USER_INPUT", field: "token" });
    }
    expect(errorCode(await accept(null, "x".repeat(43)))).toBe("UNAUTHENTICATED");
    const owner = await signedInAccount(t);
    const organization = await organizationOf(owner);
    const site = await t.createSite(organization.id);
    const inSite = await t.gql(ACCEPT, { variables: { token: "x".repeat(43) }, tenant: site.slug });
    expect(errorOf(inSite)?.message).toContain("platform scope");
  });

  it("already a member: CONFLICT, and the invitation is not used up", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const organization = await organizationOf(owner);
    const invitation = await invite(owner, organization.id, invitee.email);
    const token = await emailedToken(invitee.email);
    await t.db.platform.organizationMember.create({
      data: { organizationId: organization.id, accountId: invitee.id, role: "MEMBER" },
    });
    expect(errorCode(await accept(invitee, token))).toBe("CONFLICT");
    const row = await t.db.platform.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.acceptedAt).toBeNull();
  });

  it("two accepts of one token at once: one joins, the other is told it was used", async () => {
    const owner = await signedInAccount(t);
    const invitee = await signedInAccount(t);
    const organization = await organizationOf(owner);
    await invite(owner, organization.id, invitee.email);
    const token = await emailedToken(invitee.email);
    const results = await Promise.all([
      accept(invitee, token),
      accept(invitee, token),
      accept(invitee, token),
    ]);
    expect(results.filter((r) => !r.json.errors)).toHaveLength(1);
    for (const r of results.filter((r) => r.json.errors)) {
      expect(["BAD_USER_INPUT", "CONFLICT"]).toContain(errorCode(r));
    }
    expect(
      await t.db.platform.organizationMember.count({
        where: { organizationId: organization.id, accountId: invitee.id },
      }),
    ).toBe(1);
  });
});

describe("inviting", () => {
  it("an existing member or an already invited address: CONFLICT on email", async () => {
    const owner = await signedInAccount(t);
    const organization = await organizationOf(owner);
    const member = await t.gql(INVITE, {
      variables: {
        input: { organizationId: organization.id, email: owner.email.toUpperCase(), role: "MEMBER" },
      },
      token: owner.token,
    });
    expect(errorOf(member)).toMatchObject({ code: "CONFLICT", field: "email" });
    const email = `${randomSlug("twice")}@example.test`;
    await invite(owner, organization.id, email);
    const twice = await as(owner, INVITE, {
      input: { organizationId: organization.id, email, role: "MEMBER" },
    });
    expect(errorOf(twice)).toMatchObject({ code: "CONFLICT", field: "email" });
    expect(errorOf(twice)?.message).toContain("already invited");
  });

  it("a malformed email or organization id: BAD_USER_INPUT naming the field", async () => {
    const owner = await signedInAccount(t);
    const organization = await organizationOf(owner);
    for (const email of ["not-an-email", "a@b", "x@example.test\nBcc: victim@example.test"]) {
      const res = await as(owner, INVITE, {
        input: { organizationId: organization.id, email, role: "MEMBER" },
      });
      expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
    }
    const res = await as(owner, INVITE, {
      input: { organizationId: "1 OR 1=1", email: "a@example.test", role: "MEMBER" },
    });
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "organizationId" });
  });

  it("admins cannot re-send or revoke an OWNER invitation; outsiders cannot see invitations at all", async () => {
    const owner = await signedInAccount(t);
    const admin = await signedInAccount(t);
    const outsider = await signedInAccount(t);
    const organization = await organizationOf(owner);
    await t.db.platform.organizationMember.create({
      data: { organizationId: organization.id, accountId: admin.id, role: "ADMIN" },
    });
    const ownerInvite = await invite(owner, organization.id, `${randomSlug("o")}@example.test`, "OWNER");
    const memberInvite = await invite(admin, organization.id, `${randomSlug("m")}@example.test`);
    expect(errorCode(await as(admin, RESEND, { id: ownerInvite.id }))).toBe("FORBIDDEN");
    expect(errorCode(await as(admin, REVOKE, { id: ownerInvite.id }))).toBe("FORBIDDEN");
    for (const query of [RESEND, REVOKE]) {
      expect(errorCode(await as(outsider, query, { id: memberInvite.id }))).toBe("NOT_FOUND");
      expect(errorCode(await as(outsider, query, { id: crypto.randomUUID() }))).toBe("NOT_FOUND");
    }
    expect(errorCode(await as(outsider, LIST, { o: organization.id }))).toBe("NOT_FOUND");
    ok(await as(admin, RESEND, { id: memberInvite.id }));
    ok(await as(owner, REVOKE, { id: ownerInvite.id }));
    const pending = ok(await as(admin, LIST, { o: organization.id })).invitations;
    expect(pending.map((i: { id: string }) => i.id)).toEqual([memberInvite.id]);
  });
});
