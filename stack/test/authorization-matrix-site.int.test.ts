import { createHash } from "node:crypto";
import { newApiKey } from "@taruvi/auth";
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

/** Everyone the gateway lets into the site: signed out, its users and its API keys. */
const EVERYONE = ["anonymous", "member", "admin", "apiKeyWithScope", "apiKeyWithoutScope"] as const;
const USERS = ["member", "admin"] as const;
const ADMIN_OR_SCOPED = ["admin", "apiKeyWithScope"] as const;
/** API keys act for a site, not as a person: what only a signed-in user can do refuses them. */
const NOT_A_USER = { apiKeyWithScope: "FORBIDDEN", apiKeyWithoutScope: "FORBIDDEN" } as const;

const user = (options: { active?: boolean } = {}) => w.siteUser(w.site, options);

const group = async () =>
  (
    await t.db.pool.query<{ id: string }>(`INSERT INTO ${w.schema}.groups (name) VALUES ($1) RETURNING id`, [
      randomSlug("group"),
    ])
  ).rows[0]?.id as string;

const membership = async () => {
  const [groupId, { id: userId }] = await Promise.all([group(), user()]);
  await t.db.pool.query(`INSERT INTO ${w.schema}.group_members (group_id, user_id) VALUES ($1, $2)`, [
    groupId,
    userId,
  ]);
  return { groupId, userId };
};

/** A 1×1 PNG, and an upload of it made by the site's admin: PENDING, or stored and completed. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082",
  "hex",
);
const UPLOAD_INPUT = {
  name: "matrix.png",
  contentType: "image/png",
  size: PNG.length,
  sha256: createHash("sha256").update(PNG).digest("hex"),
};
const adminUpload = async (stage: "stored" | "ready"): Promise<string> => {
  const as = async (query: string, variables: Record<string, unknown>) => {
    const res = await t.gql(query, {
      tenant: w.site.slug,
      variables,
      headers: { authorization: `Bearer ${await t.token(w.siteAdmin, w.site)}` },
    });
    if (res.json?.errors) throw new Error(`admin upload failed: ${res.body}`);
    return res.json.data;
  };
  const { createUpload } = await as(
    "mutation ($input: CreateUploadInput!) { createUpload(input: $input) { file { id } uploadUrl uploadHeaders { name value } } }",
    { input: UPLOAD_INPUT },
  );
  const stored = await fetch(createUpload.uploadUrl, {
    method: "PUT",
    headers: Object.fromEntries(
      createUpload.uploadHeaders.map((h: { name: string; value: string }) => [h.name, h.value]),
    ),
    body: PNG,
  });
  if (!stored.ok) throw new Error(`admin upload PUT failed: ${stored.status}`);
  if (stage === "ready")
    await as("mutation ($id: ID!) { completeUpload(id: $id) { id } }", { id: createUpload.file.id });
  return createUpload.file.id;
};

const cases: MatrixCase[] = [
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
      const { email, password } = await user();
      return {
        query: "mutation ($input: SignInInput!) { signIn(input: $input) { accessToken } }",
        variables: { input: { email, password } },
      };
    },
  },
  {
    mutation: "refreshSession",
    allowed: EVERYONE,
    prepare: async () => {
      const { refreshToken } = await signedIn(t, await user(), w.site.slug);
      return {
        query: "mutation ($r: String!) { refreshSession(refreshToken: $r) { accessToken } }",
        variables: { r: refreshToken },
      };
    },
  },
  {
    mutation: "signOut",
    allowed: USERS,
    denied: NOT_A_USER,
    prepare: async () => ({ query: "mutation { signOut }" }),
  },
  {
    mutation: "requestPasswordReset",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($e: String!) { requestPasswordReset(email: $e) }",
      variables: { e: (await user()).email },
    }),
  },
  {
    mutation: "resetPassword",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }",
      variables: {
        t: await w.oneTimeToken("PASSWORD_RESET", { siteSchema: w.site.schemaName, id: (await user()).id }),
        p: strongPassword(),
      },
    }),
  },
  {
    mutation: "requestEmailVerification",
    allowed: USERS,
    denied: NOT_A_USER,
    prepare: async () => ({ query: "mutation { requestEmailVerification }" }),
  },
  {
    mutation: "verifyEmail",
    allowed: EVERYONE,
    prepare: async () => ({
      query: "mutation ($t: String!) { verifyEmail(token: $t) }",
      variables: {
        t: await w.oneTimeToken("EMAIL_VERIFICATION", {
          siteSchema: w.site.schemaName,
          id: (await user()).id,
        }),
      },
    }),
  },
  {
    mutation: "createUser",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["users.manage"],
    prepare: async () => ({
      query: "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }",
      variables: {
        input: { email: `${randomSlug("u")}@example.test`, password: strongPassword(), name: "Made" },
      },
    }),
  },
  {
    mutation: "updateUser",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["users.manage"],
    prepare: async () => ({
      query: 'mutation ($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { id } }',
      variables: { id: (await user()).id },
    }),
  },
  {
    mutation: "deactivateUser",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["users.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { deactivateUser(id: $id) { id isActive } }",
      variables: { id: (await user()).id },
    }),
  },
  {
    mutation: "restoreUser",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["users.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { restoreUser(id: $id) { id isActive } }",
      variables: { id: (await user({ active: false })).id },
    }),
  },
  {
    mutation: "sendPasswordReset",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["users.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { sendPasswordReset(userId: $id) }",
      variables: { id: (await user()).id },
    }),
  },
  {
    // The caller's own password, set again to itself: the caller's sessions end, but the matrix
    // signs its tokens without a stored session, so later cases are unaffected.
    mutation: "changeMyPassword",
    allowed: USERS,
    denied: NOT_A_USER,
    prepare: async (_, caller) => {
      const password = caller === "admin" ? w.siteAdminPassword : w.siteMember.password;
      return {
        query:
          "mutation ($c: String!, $n: String!) { changeMyPassword(currentPassword: $c, newPassword: $n) { accessToken } }",
        variables: { c: password, n: password },
      };
    },
  },
  {
    mutation: "changeMyEmail",
    allowed: USERS,
    denied: NOT_A_USER,
    prepare: async (_, caller) => ({
      query:
        "mutation ($c: String!, $e: String!) { changeMyEmail(currentPassword: $c, newEmail: $e) { accessToken } }",
      variables: {
        c: caller === "admin" ? w.siteAdminPassword : w.siteMember.password,
        e: `${randomSlug("moved")}@example.test`,
      },
    }),
  },
  {
    // A key is bounded by the user who made it: keys never make keys.
    mutation: "createApiKey",
    allowed: ["admin"],
    denied: { apiKeyWithScope: "FORBIDDEN" },
    scopes: ["apikeys.manage"],
    prepare: async () => ({
      query: "mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }",
      variables: { input: { name: "matrix", scopes: [] } },
    }),
  },
  {
    mutation: "revokeApiKey",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["apikeys.manage"],
    prepare: async () => {
      const made = newApiKey();
      const { rows } = await t.db.pool.query<{ id: string }>(
        `INSERT INTO ${w.schema}.api_keys (name, prefix, key_hash) VALUES ('to revoke', $1, $2) RETURNING id`,
        [made.prefix, made.hash],
      );
      return {
        query: "mutation ($id: ID!) { revokeApiKey(id: $id) { id } }",
        variables: { id: rows[0]?.id },
      };
    },
  },
  {
    mutation: "createGroup",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["groups.manage"],
    prepare: async () => ({
      query: "mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }",
      variables: { input: { name: randomSlug("group") } },
    }),
  },
  {
    mutation: "updateGroup",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["groups.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id } }",
      variables: { id: await group(), input: { name: randomSlug("renamed") } },
    }),
  },
  {
    mutation: "deleteGroup",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["groups.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { deleteGroup(id: $id) }",
      variables: { id: await group() },
    }),
  },
  {
    mutation: "addGroupMember",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["groups.manage"],
    prepare: async () => ({
      query: "mutation ($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { id } }",
      variables: { g: await group(), u: (await user()).id },
    }),
  },
  {
    mutation: "removeGroupMember",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["groups.manage"],
    prepare: async () => {
      const { groupId, userId } = await membership();
      return {
        query: "mutation ($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) { id } }",
        variables: { g: groupId, u: userId },
      };
    },
  },
  {
    // Granting needs permissions.manage and the permission itself.
    mutation: "grantPermission",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["permissions.manage", "users.view"],
    prepare: async () => ({
      query: "mutation ($input: GrantPermissionInput!) { grantPermission(input: $input) { id } }",
      variables: { input: { userId: (await user()).id, permission: "users.view" } },
    }),
  },
  {
    mutation: "revokePermission",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["permissions.manage", "users.view"],
    prepare: async () => {
      const { id: userId } = await user();
      const { rows } = await t.db.pool.query<{ id: string }>(
        `INSERT INTO ${w.schema}.permission_grants (permission, principal_type, user_id)
         VALUES ('users.view', 'USER', $1) RETURNING id`,
        [userId],
      );
      return { query: "mutation ($id: ID!) { revokePermission(id: $id) }", variables: { id: rows[0]?.id } };
    },
  },
  {
    mutation: "updateSiteSettings",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["settings.manage"],
    prepare: async () => ({
      query: "mutation ($input: SiteSettingsInput!) { updateSiteSettings(input: $input) { id } }",
      variables: { input: { allowSignup: true } },
    }),
  },
  {
    // A reservation, not yet a file: file.created is recorded when the upload is completed.
    mutation: "createUpload",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["files.manage"],
    auditEvents: 0,
    prepare: async () => ({
      query: "mutation ($input: CreateUploadInput!) { createUpload(input: $input) { file { id } } }",
      variables: { input: UPLOAD_INPUT },
    }),
  },
  {
    mutation: "completeUpload",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["files.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { completeUpload(id: $id) { status } }",
      variables: { id: await adminUpload("stored") },
    }),
  },
  {
    mutation: "deleteFile",
    allowed: ADMIN_OR_SCOPED,
    scopes: ["files.manage"],
    prepare: async () => ({
      query: "mutation ($id: ID!) { deleteFile(id: $id) }",
      variables: { id: await adminUpload("ready") },
    }),
  },
];

describe("authorization matrix, site scope: every mutation × every caller", () => {
  for (const c of cases) {
    it(`${c.mutation}: allowed for ${c.allowed.join(", ")}; the rest denied`, () =>
      checkMatrixCase(w, "site", c));
  }

  it("covers every site-only mutation (the platform matrix checks the schema's list)", () => {
    const covered = new Set(cases.map((c) => c.mutation));
    expect(SITE_ONLY_MUTATIONS.filter((name) => !covered.has(name))).toEqual([]);
  });
});
