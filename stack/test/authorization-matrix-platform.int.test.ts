import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedIn, startTestStack, strongPassword, type TestStack } from "./helpers";
import {
  checkMatrixCase,
  createMatrixWorld,
  type MatrixCase,
  type MatrixWorld,
  SITE_ONLY_MUTATIONS,
} from "./matrix-helpers";

let t: TestStack;
let w: MatrixWorld;

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  w = await createMatrixWorld(t);
});
afterAll(() => t.close());

const SIGNED_IN = ["member", "admin", "owner", "superuser"] as const;

/** The platform account a signed-in caller of the matrix is. */
const accountOf = (caller: string) =>
  (w.accounts as Record<string, { password: string } | undefined>)[caller];
const MANAGERS = ["admin", "owner", "superuser"] as const;
const OWNERS = ["owner", "superuser"] as const;
/** Anyone the gateway lets through: signed out or with a valid platform token. */
const EVERYONE = ["anonymous", ...SIGNED_IN] as const;

const member = async () => {
  const account = await w.createTestAccount();
  await t.db.platform.organizationMember.create({
    data: { organizationId: w.organization.id, accountId: account.id, role: "MEMBER" },
  });
  return account.id;
};

const siteIn = async (status: "ACTIVE" | "SUSPENDED" | "DELETED") => {
  const site = await w.freshSite();
  if (status !== "ACTIVE") {
    await t.db.pool.query(
      `UPDATE platform.sites SET status = $2::"platform"."SiteStatus",
         suspended_at = CASE WHEN $2 = 'SUSPENDED' THEN now() END,
         deleted_at = CASE WHEN $2 = 'DELETED' THEN now() END
       WHERE id = $1`,
      [site.id, status],
    );
  }
  return site.id;
};

const domainOf = async (siteId: string, status: "PENDING" | "VERIFIED" = "VERIFIED") =>
  (
    await t.db.platform.domain.create({
      data: {
        siteId,
        hostname: `${randomSlug("d")}.example.com`,
        isPrimary: false,
        status,
        verificationToken: "t",
        expiresAt: status === "PENDING" ? new Date(Date.now() + 86_400_000) : null,
      },
    })
  ).id;

const cases: MatrixCase[] = [
  {
    mutation: "createOrganization",
    allowed: SIGNED_IN,
    prepare: async () => ({
      query: "mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }",
      variables: { input: { name: "Matrix New", slug: randomSlug("org") } },
    }),
  },
  {
    mutation: "updateOrganization",
    allowed: OWNERS,
    prepare: async () => ({
      query:
        "mutation ($id: ID!, $name: String) { updateOrganization(id: $id, input: { name: $name }) { id } }",
      variables: { id: w.organization.id, name: `Renamed ${randomSlug("o")}` },
    }),
  },
  {
    mutation: "updateMemberRole",
    allowed: MANAGERS,
    prepare: async () => ({
      query:
        "mutation ($o: ID!, $u: ID!) { updateMemberRole(organizationId: $o, userId: $u, role: ADMIN) { role } }",
      variables: { o: w.organization.id, u: await member() },
    }),
  },
  {
    mutation: "removeMember",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }",
      variables: { o: w.organization.id, u: await member() },
    }),
  },
  {
    mutation: "inviteMember",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { id } }",
      variables: {
        input: {
          organizationId: w.organization.id,
          email: `${randomSlug("inv")}@example.test`,
          role: "MEMBER",
        },
      },
    }),
  },
  {
    // Addressed to the superuser's email, in a new organization each time: only they may accept.
    mutation: "acceptInvitation",
    allowed: ["superuser"],
    prepare: async () => {
      const organization = await t.db.platform.organization.create({
        data: { slug: randomSlug("org"), name: "Inviting Org", plan: "ENTERPRISE" },
      });
      const { token } = await w.invitation(w.accounts.superuser.email, organization.id);
      return {
        query: "mutation ($t: String!) { acceptInvitation(token: $t) { id } }",
        variables: { t: token },
      };
    },
  },
  {
    mutation: "resendInvitation",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!) { resendInvitation(id: $id) { id } }",
      variables: { id: (await w.invitation()).id },
    }),
  },
  {
    mutation: "revokeInvitation",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!) { revokeInvitation(id: $id) { id } }",
      variables: { id: (await w.invitation()).id },
    }),
  },
  {
    mutation: "createSite",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($input: CreateSiteInput!) { createSite(input: $input) { id } }",
      variables: {
        input: {
          organizationId: w.organization.id,
          name: "Matrix Site",
          slug: randomSlug("site"),
          adminEmail: `${randomSlug("admin")}@example.test`,
          adminPassword: strongPassword(),
        },
      },
    }),
  },
  {
    mutation: "updateSite",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!, $name: String) { updateSite(id: $id, input: { name: $name }) { id } }",
      variables: { id: w.site.id, name: `Renamed ${randomSlug("s")}` },
    }),
  },
  ...(
    [
      ["suspendSite", "ACTIVE"],
      ["resumeSite", "SUSPENDED"],
      ["deleteSite", "ACTIVE"],
      ["restoreSite", "DELETED"],
    ] as const
  ).map(
    ([mutation, status]): MatrixCase => ({
      mutation,
      allowed: MANAGERS,
      // Members cannot see a deleted site at all.
      ...(status === "DELETED" ? { denied: { member: "NOT_FOUND" } } : {}),
      prepare: async () => ({
        query: `mutation ($id: ID!) { ${mutation}(id: $id) { id status } }`,
        variables: { id: await siteIn(status) },
      }),
    }),
  ),
  {
    mutation: "addDomain",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($input: AddDomainInput!) { addDomain(input: $input) { id } }",
      variables: { input: { siteId: w.site.id, domain: `${randomSlug("d")}.example.com` } },
    }),
  },
  {
    // The stack runs with DOMAIN_VERIFICATION off (development): the check passes without DNS.
    mutation: "verifyDomain",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!) { verifyDomain(id: $id) { id status } }",
      variables: { id: await domainOf(w.site.id, "PENDING") },
    }),
  },
  {
    mutation: "setPrimaryDomain",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!) { setPrimaryDomain(id: $id) { id } }",
      variables: { id: await domainOf(w.site.id) },
    }),
  },
  {
    mutation: "removeDomain",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($id: ID!) { removeDomain(id: $id) { id } }",
      variables: { id: await domainOf(w.site.id) },
    }),
  },
  {
    mutation: "createSiteUser",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($input: CreateSiteUserInput!) { createSiteUser(input: $input) { id } }",
      variables: {
        input: {
          siteId: w.site.id,
          email: `${randomSlug("u")}@example.test`,
          name: "Made From The Platform",
          password: strongPassword(),
        },
      },
    }),
  },
  {
    mutation: "grantPermission",
    allowed: OWNERS,
    prepare: async () => ({
      query: "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }",
      variables: {
        input: {
          accountId: (await w.createTestAccount()).id,
          permission: "invite_members",
          objectType: "ORGANIZATION",
          objectId: w.organization.id,
        },
      },
    }),
  },
  {
    // On a site: admin_site there (organization admins hold it through manage_sites).
    mutation: "grantPermission",
    allowed: MANAGERS,
    prepare: async () => ({
      query: "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }",
      variables: {
        input: {
          accountId: (await w.createTestAccount()).id,
          permission: "access_site",
          objectType: "SITE",
          objectId: w.site.id,
        },
      },
    }),
  },
  {
    mutation: "revokePermission",
    allowed: OWNERS,
    prepare: async () => {
      const grant = await t.db.platform.objectPermission.create({
        data: {
          accountId: (await w.createTestAccount()).id,
          permission: "invite_members",
          objectType: "ORGANIZATION",
          objectId: w.organization.id,
        },
      });
      return { query: "mutation ($id: ID!) { revokePermission(id: $id) }", variables: { id: grant.id } };
    },
  },
  {
    mutation: "signUp",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
      variables: {
        input: { email: `${randomSlug("new")}@example.test`, password: strongPassword(), name: "New" },
      },
    }),
  },
  {
    mutation: "signIn",
    allowed: EVERYONE,
    prepare: async () => {
      const account = await w.account();
      return {
        query: "mutation ($input: SignInInput!) { signIn(input: $input) { accessToken } }",
        variables: { input: { email: account.email, password: account.password } },
      };
    },
  },
  {
    mutation: "refreshSession",
    allowed: EVERYONE,
    prepare: async () => {
      const { refreshToken } = await signedIn(t, await w.account());
      return {
        query: "mutation ($r: String!) { refreshSession(refreshToken: $r) { accessToken } }",
        variables: { r: refreshToken },
      };
    },
  },
  {
    mutation: "signOut",
    allowed: SIGNED_IN,
    prepare: async () => ({ query: "mutation { signOut }" }),
  },
  {
    mutation: "requestPasswordReset",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($e: String!) { requestPasswordReset(email: $e) }",
      variables: { e: (await w.account()).email },
    }),
  },
  {
    mutation: "resetPassword",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }",
      variables: { t: await w.oneTimeToken("PASSWORD_RESET", await w.account()), p: strongPassword() },
    }),
  },
  {
    // The caller's own password, set again to itself (the matrix's tokens have no stored session).
    mutation: "changeMyPassword",
    allowed: SIGNED_IN,
    prepare: async (_, caller) => {
      const password = accountOf(caller)?.password ?? strongPassword();
      return {
        query:
          "mutation ($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { accessToken } }",
        variables: { c: password, n: password },
      };
    },
  },
  {
    mutation: "changeMyEmail",
    allowed: SIGNED_IN,
    prepare: async (_, caller) => ({
      query:
        "mutation ($c: String!, $e: String!) { changeMyEmail(currentPassword: $c, newEmail: $e) { accessToken } }",
      variables: {
        c: accountOf(caller)?.password ?? strongPassword(),
        e: `${randomSlug("moved")}@example.test`,
      },
    }),
  },
  {
    mutation: "requestEmailVerification",
    allowed: SIGNED_IN,
    prepare: async () => ({ query: "mutation { requestEmailVerification }" }),
  },
  {
    mutation: "verifyEmail",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($t: String!) { verifyEmail(token: $t) }",
      variables: { t: await w.oneTimeToken("EMAIL_VERIFICATION", await w.account()) },
    }),
  },
];

describe("authorization matrix, platform scope: every mutation × every caller", () => {
  for (const c of cases) {
    it(`${c.mutation}: allowed for ${c.allowed.join(", ")}; the rest denied`, () =>
      checkMatrixCase(w, "platform", c));
  }

  it("covers every platform mutation of the public schema", async () => {
    const res = await t.gql("{ __schema { mutationType { fields { name } } } }");
    const names: string[] = res.json.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    const covered = new Set([...cases.map((c) => c.mutation), ...SITE_ONLY_MUTATIONS]);
    expect(names.filter((name) => !covered.has(name))).toEqual([]);
  });
});
