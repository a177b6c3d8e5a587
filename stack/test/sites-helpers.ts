// Helpers of the organizations/sites tests: calls tagged with their own request id, so the
// audit events a call wrote (and only those) can be read back; grants and API keys made
// straight in the database, so these tests depend on no other subgraph's mutations.
import { randomUUID } from "node:crypto";
import { newApiKey } from "@taruvi/auth";
import { randomSlug } from "@taruvi/testing";
import type { GqlOptions, HttpResult, TestStack } from "./helpers";

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

/** A gateway call carrying a fresh x-request-id; the id comes back with the response. */
export const tagged = async (
  t: TestStack,
  query: string,
  options: GqlOptions = {},
): Promise<{ res: HttpResult; requestId: string }> => {
  const requestId = `test-${randomUUID()}`;
  const res = await t.gql(query, { ...options, headers: { ...options.headers, "x-request-id": requestId } });
  return { res, requestId };
};

/** The platform audit events written with this request id. */
export const platformEventsOf = async (t: TestStack, requestId: string): Promise<StoredEvent[]> =>
  (
    await t.db.pool.query<StoredEvent>(
      `SELECT action, entity_type, entity_id, actor_type::text AS actor_type, actor_id, request_id,
              changes, organization_id::text AS organization_id, site_id::text AS site_id
         FROM platform.audit_events WHERE request_id = $1 ORDER BY occurred_at, id`,
      [requestId],
    )
  ).rows;

/** The site schema's audit events written with this request id. */
export const siteEventsOf = async (t: TestStack, schema: string, requestId: string): Promise<StoredEvent[]> =>
  (
    await t.db.pool.query<StoredEvent>(
      `SELECT action, entity_type, entity_id, actor_type::text AS actor_type, actor_id, request_id, changes
         FROM "${schema}".audit_events WHERE request_id = $1 ORDER BY occurred_at, id`,
      [requestId],
    )
  ).rows;

/** Every event of a request id, wherever it went: the platform and each given site schema. */
export const allEventsOf = async (t: TestStack, requestId: string, schemas: string[] = []) => [
  ...(await platformEventsOf(t, requestId)),
  ...(await Promise.all(schemas.map((schema) => siteEventsOf(t, schema, requestId)))).flat(),
];

/** A grant to an account on one organization or site (platform.object_permissions). */
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

/** A user of the site (admin or not) and an access token for it in that site's scope. */
export const siteUserWithToken = async (
  t: TestStack,
  site: { id: string; schemaName: string },
  options: { admin?: boolean } = {},
) => {
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".users (email, name, is_admin) VALUES ($1, 'Site User', $2) RETURNING id`,
    [`${randomSlug("u")}@example.test`, options.admin ?? false],
  );
  const id = rows[0]?.id as string;
  return { id, token: await t.token(id, site) };
};

/** An API key of the site with these scopes; `Authorization: ApiKey <key>`. */
export const apiKeyOf = async (t: TestStack, site: { schemaName: string }, scopes: string[]) => {
  const { key, prefix, hash } = newApiKey();
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".api_keys (name, prefix, key_hash, scopes)
     VALUES ('test key', $1, $2, $3) RETURNING id`,
    [prefix, hash, scopes],
  );
  return { id: rows[0]?.id as string, key, headers: { authorization: `ApiKey ${key}` } };
};
