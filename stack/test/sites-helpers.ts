// Helpers of the organizations/sites tests: the audit events a tagged call wrote, in the shape
// these tests compare (read through the fixtures), platform grants and accounts made straight in
// the database, so these tests depend on no other subgraph's mutations.
import { randomSlug } from "@taruvi/testing";
import { type AuditRow, auditRows, platformAccessChangedDirectly } from "./fixtures";
import type { TestStack } from "./helpers";

export { tagged } from "./fixtures";

/** An audit event row, as stored (platform or site schema). */
export type StoredEvent = {
  action: string;
  entity_type: string;
  entity_id: string | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  changes: Record<string, unknown> | null;
  organization_id?: string | null;
  site_id?: string | null;
};

const stored = (row: AuditRow): StoredEvent => ({
  action: row.action,
  entity_type: row.entity_type,
  entity_id: row.entity_id,
  actor_type: row.actor_type,
  actor_id: row.actor_id,
  request_id: row.request_id,
  changes: row.changes,
});

/** The platform audit events written with this request id (with their organization and site). */
export const platformEventsOf = async (t: TestStack, requestId: string): Promise<StoredEvent[]> =>
  (await auditRows(t, "platform", requestId)).map((row) => ({
    ...stored(row),
    organization_id: row.organization_id ?? null,
    site_id: row.site_id ?? null,
  }));

/** The site schema's audit events written with this request id. */
export const siteEventsOf = async (t: TestStack, schema: string, requestId: string): Promise<StoredEvent[]> =>
  (await auditRows(t, { schemaName: schema }, requestId)).map(stored);

/** Every event of a request id, wherever it went: the platform and each given site schema. */
export const allEventsOf = async (t: TestStack, requestId: string, schemas: string[] = []) => [
  ...(await platformEventsOf(t, requestId)),
  ...(await Promise.all(schemas.map((schema) => siteEventsOf(t, schema, requestId)))).flat(),
];

/**
 * A grant to an account on one organization or site (platform.object_permissions), announced as
 * the product's own grants are: it counts from the grantee's next request.
 */
export const grantOn = async (
  t: TestStack,
  accountId: string,
  objectType: "ORGANIZATION" | "SITE",
  objectId: string,
  permission: string,
): Promise<void> => {
  await t.db.pool.query(
    `INSERT INTO platform.object_permissions (account_id, permission, object_type, object_id)
     VALUES ($1, $2, $3::platform."PermissionObjectType", $4)`,
    [accountId, permission, objectType, objectId],
  );
  await platformAccessChangedDirectly(t);
};

/** A platform account (no password) and a platform access token for it. */
export const accountWithToken = async (t: TestStack, options: { superuser?: boolean } = {}) => {
  const account = await t.db.platform.account.create({
    data: {
      email: `${randomSlug("acct")}@example.test`,
      name: "Test Account",
      isSuperuser: options.superuser ?? false,
    },
  });
  return { id: account.id, email: account.email, token: await t.token(account.id, null) };
};

/**
 * An organization whose members are new accounts with tokens, one per role given, in that order
 * (made straight in the database, before anyone asked about it).
 */
export const organizationWith = async <Roles extends ("OWNER" | "ADMIN" | "MEMBER")[]>(
  t: TestStack,
  ...roles: Roles
) => {
  const members = await Promise.all(roles.map(() => accountWithToken(t)));
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Members Co",
      plan: "PRO",
      members: { create: roles.map((role, i) => ({ accountId: members[i]?.id as string, role })) },
    },
  });
  return {
    organization,
    members: members as { [K in keyof Roles]: Awaited<ReturnType<typeof accountWithToken>> },
  };
};
