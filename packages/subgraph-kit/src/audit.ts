/**
 * The audit trail's one writer. Every mutation writes exactly one event in the same transaction
 * as its change: site events in the site's schema, platform events in `platform`. The tables are
 * append-only in the database itself (triggers refuse UPDATE, DELETE and TRUNCATE).
 *
 * `changes` holds before/after values of the changed fields only; a field whose name says it is
 * a secret (password, hash, token, secret, key) is recorded as `{ changed: true }`, never its
 * value, wherever it appears.
 */
import { type PrismaRawSql, prismaSqlExecutor, type SqlExecutor } from "@taruvi/db";
import { quoteSchema } from "@taruvi/tenancy";
import { announcePlatformAccessChange, announceSiteAccessChange } from "./access-cache";
import type { RequestContext } from "./context";

export type AuditActorType = "ACCOUNT" | "USER" | "API_KEY" | "SYSTEM";

/** `{ field: { before, after } }`; a secret field only says that it changed. */
export type AuditChanges = Record<string, { before: unknown; after: unknown } | { changed: true }>;

export type AuditRecord = {
  /** `<entity>.<verb>` in lower snake case, e.g. `user.created`, `member.role_changed`. */
  action: string;
  /** The GraphQL type of the changed entity, e.g. User, Site, OrganizationMember. */
  entityType: string;
  entityId: string | null;
  changes?: AuditChanges | null;
  /** Platform events: the organization (and site) the change belongs to, for owners' views. */
  organizationId?: string | null;
  siteId?: string | null;
  /** Defaults to the caller (SYSTEM when anonymous); e.g. sign-up names the new user. */
  actor?: { type: AuditActorType; id: string | null };
};

const SECRET_NAME = /(password|hash|token|secret|^key$|apikey$)/i;

export const isSecretField = (name: string): boolean => SECRET_NAME.test(name);

const plain = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretField(k) ? { changed: true } : plain(v)]),
    );
  }
  return value ?? null;
};

/** Compared on the raw values (a changed secret inside an object still counts as a change). */
const json = (value: unknown) =>
  JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
const same = (a: unknown, b: unknown) => json(a) === json(b);

/**
 * The changed fields between two states (of `fields`, or of every key of either): `{ before,
 * after }` each, secrets as `{ changed: true }`. Null when nothing changed.
 */
export const diff = (
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  fields?: readonly string[],
): AuditChanges | null => {
  const keys = fields ?? [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const changes: AuditChanges = {};
  for (const key of keys) {
    const from = before?.[key] ?? null;
    const to = after?.[key] ?? null;
    if (same(from, to)) continue;
    changes[key] = isSecretField(key) ? { changed: true } : { before: plain(from), after: plain(to) };
  }
  return Object.keys(changes).length > 0 ? changes : null;
};

/** Scrubs secrets at any depth: what reaches the table never holds one, whoever built it. */
const scrub = (changes: AuditChanges | null | undefined): string | null => {
  if (!changes) return null;
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    safe[key] = isSecretField(key) ? { changed: true } : plain(value);
  }
  return JSON.stringify(safe);
};

const ACTOR_TYPES = { account: "ACCOUNT", user: "USER", api_key: "API_KEY" } as const;

type AuditSource = Pick<RequestContext, "tenant" | "actor" | "requestId" | "client">;

/** The access version an audit INSERT returned: unset (null), or '' after another transaction of the same connection set it. */
const versionOf = (rows: unknown[]): number | null => {
  const version = (rows[0] as { accessVersion: string | null } | undefined)?.accessVersion;
  return version ? Number(version) : null;
};

/**
 * Appends one event through `db` (the change's own transaction: a pg client inside
 * `inTransaction`, or `prismaSqlExecutor(tx)`). The target is the
 * request's scope unless given: a site-scope request writes to its site's schema.
 *
 * Resolves to the target's access version when the transaction changed who holds what there
 * before this event (the triggers of migration 20261207210000_site_access_version leave a site's
 * in `taruvi.access_version`, those of the platform migration 20261208020000_platform_access_version
 * the platform's in `taruvi.platform_access_version`), else null: whoever commits the transaction
 * announces it (`announceSiteAccessChange`, `announcePlatformAccessChange`), as auditedSiteChange
 * and auditedPlatformChange do.
 */
export const recordAudit = async (
  ctx: AuditSource,
  db: SqlExecutor,
  record: AuditRecord,
  target: { schema: string } | "platform" = ctx.tenant ? { schema: ctx.tenant.schema } : "platform",
): Promise<number | null> => {
  const actor = record.actor ?? {
    type: ctx.actor ? ACTOR_TYPES[ctx.actor.type] : "SYSTEM",
    id: ctx.actor?.id ?? null,
  };
  const common = [
    record.action,
    record.entityType,
    record.entityId,
    actor.type,
    actor.id,
    ctx.requestId,
    ctx.client.ip,
    ctx.client.userAgent,
    scrub(record.changes),
  ];
  if (target === "platform") {
    const { rows } = await db.query(
      `INSERT INTO "platform"."audit_events"
         (action, entity_type, entity_id, actor_type, actor_id, request_id, ip, user_agent, changes,
          organization_id, site_id)
       VALUES ($1, $2, $3, $4::"platform"."ActorType", $5, $6, $7, $8, $9::jsonb, $10::uuid, $11::uuid)
       RETURNING current_setting('taruvi.platform_access_version', true) AS "accessVersion"`,
      [...common, record.organizationId ?? null, record.siteId ?? ctx.tenant?.siteId ?? null],
    );
    return versionOf(rows);
  }
  const schema = quoteSchema(target.schema);
  const { rows } = await db.query(
    `INSERT INTO ${schema}."audit_events"
       (action, entity_type, entity_id, actor_type, actor_id, request_id, ip, user_agent, changes)
     VALUES ($1, $2, $3, $4::${schema}."ActorType", $5, $6, $7, $8, $9::jsonb)
     RETURNING current_setting('taruvi.access_version', true) AS "accessVersion"`,
    common,
  );
  return versionOf(rows);
};

type SiteTx = Parameters<Parameters<RequestContext["db"]["$transaction"]>[0]>[0];
type PlatformTx = Parameters<Parameters<RequestContext["platform"]["$transaction"]>[0]>[0];

/** A site's `db` as auditedSiteChange uses it: the core client, or a service's own (its `tenantModel`). */
type TransactionalClient<Tx> = {
  $transaction: <R>(change: (tx: Tx) => Promise<R>) => Promise<R>;
};

/**
 * Runs a site change and its audit event in one transaction of the site's schema. `change`
 * returns the result and the event to record (null: nothing changed, nothing recorded). A change
 * of who holds what (grants, memberships, user flags, keys) is announced once committed: this
 * process's next request reads the caller's access again, and every other process is told
 * through the change bus (access-cache.ts).
 */
export const auditedSiteChange = async <T, Tx extends PrismaRawSql = SiteTx>(
  ctx: AuditSource & { db: TransactionalClient<Tx> },
  change: (tx: Tx) => Promise<{ result: T; audit: AuditRecord | null }>,
): Promise<T> => {
  let accessVersion: number | null = null;
  const result = await ctx.db.$transaction(async (tx) => {
    const { result, audit } = await change(tx);
    accessVersion = audit ? await recordAudit(ctx, prismaSqlExecutor(tx), audit) : null;
    return result;
  });
  if (accessVersion !== null && ctx.tenant) await announceSiteAccessChange(ctx.tenant.schema, accessVersion);
  return result;
};

/**
 * Like auditedSiteChange, for a change of platform data (event in `platform.audit_events`): a
 * change of an organization membership or a platform grant is announced once committed, so every
 * account's standing in an organization is read again (access-cache.ts, decision 0031).
 */
export const auditedPlatformChange = async <T>(
  ctx: AuditSource & Pick<RequestContext, "platform">,
  change: (tx: PlatformTx) => Promise<{ result: T; audit: AuditRecord | null }>,
): Promise<T> => {
  let accessVersion: number | null = null;
  const result = await ctx.platform.$transaction(async (tx) => {
    const { result, audit } = await change(tx);
    accessVersion = audit ? await recordAudit(ctx, prismaSqlExecutor(tx), audit, "platform") : null;
    return result;
  });
  if (accessVersion !== null) await announcePlatformAccessChange(accessVersion);
  return result;
};
