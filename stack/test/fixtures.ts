/**
 * Fixtures of the end-to-end tests: site users with known passwords, groups, grants, API keys
 * and single-use tokens written straight to the database (so a test depends on no other
 * mutation than the one it checks), requests tagged with a request id, and the raw audit rows a
 * request wrote (read from the tables, not through the API).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, hashSecret, newApiKey } from "@taruvi/auth";
import { announcePlatformAccessChange, announceSiteAccessChange } from "@taruvi/subgraph-kit";
import { randomSlug } from "@taruvi/testing";
import { expect } from "vitest";
import { type GqlOptions, type HttpResult, strongPassword, type TestStack } from "./helpers";

export type SiteRef = { id: string; slug: string; schemaName: string };

export type AuditRow = {
  action: string;
  entity_type: string;
  entity_id: string | null;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
  changes: any;
  organization_id?: string | null;
  site_id?: string | null;
};

/** A user of `site` with a password (and optionally admin or inactive), inserted directly. */
export const siteUser = async (
  t: TestStack,
  site: SiteRef,
  options: { admin?: boolean; active?: boolean; name?: string } = {},
) => {
  const email = `${randomSlug("u")}@example.test`;
  const password = strongPassword();
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".users (email, name, password_hash, is_admin, is_active)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [
      email,
      options.name ?? "Test User",
      await hashPassword(password),
      options.admin ?? false,
      options.active ?? true,
    ],
  );
  const id = rows[0]?.id as string;
  return { id, email, password, token: () => t.token(id, site) };
};

/**
 * After a change of who holds what written directly in SQL (the triggers bumped the site's access
 * version, but nobody announced it): announces it as the product's own writes do, so this
 * process's subgraphs read the callers' access again on their next request
 * (docs/decisions/0025-site-access-cache.md).
 */
export const accessChangedDirectly = async (t: TestStack, site: SiteRef) => {
  const { rows } = await t.db.pool.query<{ version: string }>(
    `SELECT version FROM "${site.schemaName}".access_version`,
  );
  await announceSiteAccessChange(site.schemaName, Number(rows[0]?.version));
};

/**
 * As accessChangedDirectly, after an organization membership or platform grant written directly
 * in SQL or Prisma: announces the platform's access version, so this process's subgraphs read
 * every account's standing in an organization again (docs/decisions/0031).
 */
export const platformAccessChangedDirectly = async (t: TestStack) => {
  const { rows } = await t.db.pool.query<{ version: string }>(`SELECT version FROM platform.access_version`);
  await announcePlatformAccessChange(Number(rows[0]?.version));
};

/**
 * A grant written directly (model-level unless `object` is given), and announced as the product's
 * own grants are (`accessChangedDirectly`): it counts from the grantee's next request.
 */
export const grantDirectly = async (
  t: TestStack,
  site: SiteRef,
  principal: { userId?: string; groupId?: string; apiKeyId?: string },
  permission: string,
  object?: { type: string; id: string },
): Promise<string> => {
  const type = principal.userId ? "USER" : principal.groupId ? "GROUP" : "API_KEY";
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".permission_grants
       (permission, principal_type, user_id, group_id, api_key_id, object_type, object_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      permission,
      type,
      principal.userId ?? null,
      principal.groupId ?? null,
      principal.apiKeyId ?? null,
      object?.type ?? null,
      object?.id ?? null,
    ],
  );
  await accessChangedDirectly(t, site);
  return rows[0]?.id as string;
};

/** A group written directly. */
export const groupDirectly = async (t: TestStack, site: SiteRef, name = randomSlug("group")) =>
  (
    await t.db.pool.query<{ id: string }>(
      `INSERT INTO "${site.schemaName}".groups (name) VALUES ($1) RETURNING id`,
      [name],
    )
  ).rows[0]?.id as string;

/**
 * An API key of `site` with `scopes`, written directly; its id and the key to send. A key is
 * bounded by its creator: by default a fresh site administrator made for it (so the scopes hold),
 * or `createdById`.
 */
export const apiKeyDirectly = async (
  t: TestStack,
  site: SiteRef,
  scopes: string[],
  { createdById }: { createdById?: string } = {},
) => {
  const made = newApiKey();
  const creator = createdById ?? (await siteUser(t, site, { admin: true, name: "Key Creator" })).id;
  const { rows } = await t.db.pool.query<{ id: string }>(
    `INSERT INTO "${site.schemaName}".api_keys (name, prefix, key_hash, scopes, created_by_id)
     VALUES ('test', $1, $2, $3, $4) RETURNING id`,
    [made.prefix, made.hash, scopes, creator],
  );
  return { id: rows[0]?.id as string, key: made.key, auth: `ApiKey ${made.key}`, createdById: creator };
};

/** A request through the gateway tagged with a fresh request id; the response and that id. */
export const tagged = async (
  t: TestStack,
  query: string,
  options: GqlOptions & { auth?: string } = {},
): Promise<{ res: HttpResult; requestId: string }> => {
  const requestId = randomUUID();
  const { auth, ...rest } = options;
  const res = await t.gql(query, {
    ...rest,
    headers: {
      "x-request-id": requestId,
      "user-agent": "identity-tests",
      ...(auth ? { authorization: auth } : {}),
      ...rest.headers,
    },
  });
  return { res, requestId };
};

/** The audit rows one request wrote, in a site's schema or the platform's, oldest first. */
export const auditRows = async (
  t: TestStack,
  where: Pick<SiteRef, "schemaName"> | "platform",
  requestId: string,
): Promise<AuditRow[]> => {
  const table = where === "platform" ? "platform.audit_events" : `"${where.schemaName}".audit_events`;
  const { rows } = await t.db.pool.query<AuditRow>(
    `SELECT * FROM ${table} WHERE request_id = $1 ORDER BY occurred_at, id`,
    [requestId],
  );
  return rows;
};

/**
 * Every audit row of a request, in the platform schema and every site schema: what "exactly
 * one event" and "none" are counted against.
 */
export const allAuditRows = async (t: TestStack, requestId: string): Promise<AuditRow[]> => {
  const { rows: schemas } = await t.db.pool.query<{ schema: string }>(
    "SELECT schema_name AS schema FROM platform.sites WHERE schema_version IS NOT NULL",
  );
  const found = [...(await auditRows(t, "platform", requestId))];
  for (const { schema } of schemas) found.push(...(await auditRows(t, { schemaName: schema }, requestId)));
  return found;
};

/** The request succeeded and wrote exactly one event (anywhere), which is returned. */
export const expectOneEvent = async (t: TestStack, tagged: { res: HttpResult; requestId: string }) => {
  expect(tagged.res.json?.errors, tagged.res.body).toBeUndefined();
  const rows = await allAuditRows(t, tagged.requestId);
  expect(rows, `events of ${tagged.requestId}`).toHaveLength(1);
  return rows[0] as AuditRow;
};

/** The request failed with `code` and wrote no event anywhere. */
export const expectNoEvent = async (
  t: TestStack,
  tagged: { res: HttpResult; requestId: string },
  code: string,
) => {
  expect(tagged.res.json?.errors?.[0]?.extensions?.code, tagged.res.body).toBe(code);
  expect(await allAuditRows(t, tagged.requestId)).toEqual([]);
};

/** A single-use token mailed to a site user (`siteSchema`) or an account, stored hashed as the app does. */
export const oneTimeToken = async (
  t: TestStack,
  purpose: "PASSWORD_RESET" | "EMAIL_VERIFICATION",
  owner: { id: string; siteSchema?: string },
): Promise<string> => {
  // The shape the app mails: 256 random bits, base64url.
  const token = randomBytes(32).toString("base64url");
  if (owner.siteSchema) {
    await t.db.pool.query(
      `INSERT INTO "${owner.siteSchema}".one_time_tokens (purpose, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + interval '1 hour')`,
      [purpose, owner.id, hashSecret(token)],
    );
  } else {
    await t.db.platform.oneTimeToken.create({
      data: {
        purpose,
        accountId: owner.id,
        tokenHash: hashSecret(token),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
  }
  return token;
};
