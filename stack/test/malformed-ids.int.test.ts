/**
 * Every operation that takes an id, given one that is not an id, answers with a clear code
 * (BAD_USER_INPUT naming the field, or NOT_FOUND) — never an internal error from the database —
 * and changes nothing (no audit event).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./helpers";
import { createMatrixWorld, eventsOf, type MatrixWorld } from "./matrix-helpers";

let t: TestStack;
let w: MatrixWorld;

beforeAll(async () => {
  t = await startTestStack({}, { worker: false });
  w = await createMatrixWorld(t);
});
afterAll(() => t.close());

const BAD = "not-an-id'; DROP TABLE users; --";

const SITE_OPERATIONS = [
  "query ($id: ID!) { user(id: $id) { id } }",
  "query ($id: ID!) { group(id: $id) { id } }",
  "query ($id: ID) { permissionGrants(principalId: $id) { id } }",
  'query ($id: ID) { permissionGrants(objectType: "Group", objectId: $id) { id } }',
  'mutation ($id: ID!) { updateUser(id: $id, input: { name: "X" }) { id } }',
  "mutation ($id: ID!) { deactivateUser(id: $id) { id } }",
  "mutation ($id: ID!) { restoreUser(id: $id) { id } }",
  "mutation ($id: ID!) { revokeApiKey(id: $id) { id } }",
  'mutation ($id: ID!) { updateGroup(id: $id, input: { name: "x" }) { id } }',
  "mutation ($id: ID!) { deleteGroup(id: $id) }",
  "mutation ($id: ID!) { addGroupMember(groupId: $id, userId: $id) { id } }",
  "mutation ($id: ID!) { removeGroupMember(groupId: $id, userId: $id) { id } }",
  'mutation ($id: ID!) { grantPermission(input: { userId: $id, permission: "users.view" }) { id } }',
  'mutation ($id: ID!) { grantPermission(input: { groupId: $id, permission: "users.view" }) { id } }',
  'mutation ($id: ID!) { grantPermission(input: { apiKeyId: $id, permission: "users.view" }) { id } }',
  "mutation ($id: ID!) { revokePermission(id: $id) }",
];

const PLATFORM_OPERATIONS = [
  "query ($id: ID!) { invitations(organizationId: $id) { id } }",
  "query ($id: ID) { permissionGrants(principalId: $id) { id } }",
  'mutation ($id: ID!) { updateOrganization(id: $id, input: { name: "X" }) { id } }',
  "mutation ($id: ID!) { updateMemberRole(organizationId: $id, userId: $id, role: ADMIN) { role } }",
  "mutation ($id: ID!) { removeMember(organizationId: $id, userId: $id) }",
  'mutation ($id: ID!) { inviteMember(input: { organizationId: $id, email: "x@example.test" }) { id } }',
  "mutation ($id: ID!) { resendInvitation(id: $id) { id } }",
  "mutation ($id: ID!) { revokeInvitation(id: $id) { id } }",
  `mutation ($id: ID!) { createSite(input: { organizationId: $id, name: "X", slug: "malformed-id-site",
     adminEmail: "a@example.test", adminPassword: "a-long-enough-password" }) { id } }`,
  'mutation ($id: ID!) { updateSite(id: $id, input: { name: "X" }) { id } }',
  ...["suspendSite", "resumeSite", "deleteSite", "restoreSite"].map(
    (name) => `mutation ($id: ID!) { ${name}(id: $id) { id } }`,
  ),
  'mutation ($id: ID!) { addDomain(input: { siteId: $id, domain: "malformed.example.com" }) { id } }',
  "mutation ($id: ID!) { setPrimaryDomain(id: $id) { id } }",
  "mutation ($id: ID!) { verifyDomain(id: $id) { id } }",
  "mutation ($id: ID!) { removeDomain(id: $id) { id } }",
  `mutation ($id: ID!) { createSiteUser(input: { siteId: $id, email: "u@example.test", name: "U",
     password: "a-long-enough-password" }) { id } }`,
  `mutation ($id: ID!) { grantPermission(input: { accountId: $id, permission: "access_site",
     objectType: "SITE", objectId: $id }) { id } }`,
  "mutation ($id: ID!) { revokePermission(id: $id) }",
];

const outcomes = async (scope: "site" | "platform", operations: string[]) => {
  const token =
    scope === "site"
      ? await t.token(w.siteAdmin, { id: w.site.id })
      : await t.token(w.accounts.superuser.id, null);
  const seen: Record<string, string> = {};
  for (const query of operations) {
    const requestId = crypto.randomUUID();
    const res = await t.gql(query, {
      token,
      variables: { id: BAD },
      headers: { "x-request-id": requestId },
      ...(scope === "site" ? { tenant: w.site.slug } : {}),
    });
    const error = res.json?.errors?.[0];
    const code = error ? error.extensions?.code : res.json?.data ? "answered" : `HTTP ${res.status}`;
    seen[query.slice(0, 60)] = `${code}${(await eventsOf(w, requestId)) > 0 ? " + event" : ""}`;
  }
  return seen;
};

const clear = (seen: Record<string, string>) =>
  Object.entries(seen).filter(([, outcome]) => !/^(BAD_USER_INPUT|NOT_FOUND|answered)$/.test(outcome));

describe("a malformed id is a clear error, never a database error", () => {
  it("in a site, as its admin", async () => {
    expect(clear(await outcomes("site", SITE_OPERATIONS))).toEqual([]);
  });

  it("on the platform, as a superuser", async () => {
    expect(clear(await outcomes("platform", PLATFORM_OPERATIONS))).toEqual([]);
  });
});
