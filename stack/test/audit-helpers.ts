/** Reading the audit trail through the gateway, and seeding events the way the writers store them. */
import type { Actor, TenantRef } from "@taruvi/auth";
import type { SubgraphName } from "@taruvi/gateway";
import { type GqlOptions, type HttpResult, atSubgraph as signedAtSubgraph, type TestStack } from "./helpers";

/** Every field of an AuditEvent, the actor resolved by identity. */
export const EVENT_FIELDS = `id action entityType entityId actorType actorId actor { id email } occurredAt
  changes requestId ip userAgent scope organizationId siteId`;

export const AUDIT_EVENTS = (selection = EVENT_FIELDS) => `
  query ($filter: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { cursor node { ${selection} } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export type TrailArgs = { filter?: Record<string, unknown>; first?: number; after?: string | null };

/** auditEvents through the gateway; the raw response. */
export const readTrail = (
  t: TestStack,
  options: Omit<GqlOptions, "variables"> & TrailArgs & { selection?: string } = {},
): Promise<HttpResult> => {
  const { filter, first, after, selection, ...gql } = options;
  return t.gql(AUDIT_EVENTS(selection), { ...gql, variables: { filter, first, after } });
};

/** The nodes of a successful auditEvents response (fails the test otherwise). */
// biome-ignore lint/suspicious/noExplicitAny: events are compared as JSON
export const nodesOf = (res: HttpResult): any[] => {
  if (!res.json?.data?.auditEvents) throw new Error(`auditEvents failed: ${res.body}`);
  // biome-ignore lint/suspicious/noExplicitAny: events are compared as JSON
  return res.json.data.auditEvents.edges.map((edge: any) => edge.node);
};

export type SeedEvent = {
  action?: string;
  entityType?: string;
  entityId?: string | null;
  actorType?: "ACCOUNT" | "USER" | "API_KEY" | "SYSTEM";
  actorId?: string | null;
  occurredAt?: Date;
  changes?: unknown;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Platform events only. */
  organizationId?: string | null;
  siteId?: string | null;
};

/**
 * Appends events to `platform.audit_events` (schema null) or a site's, as recordAudit does;
 * returns their ids in order.
 */
export const seedEvents = async (
  t: TestStack,
  schema: string | null,
  events: readonly SeedEvent[],
): Promise<string[]> => {
  const ids: string[] = [];
  for (const e of events) {
    const common = [
      e.action ?? "thing.changed",
      e.entityType ?? "Thing",
      e.entityId ?? null,
      e.actorType ?? "SYSTEM",
      e.actorId ?? null,
      e.occurredAt ?? new Date(),
      e.changes === undefined ? null : JSON.stringify(e.changes),
      e.requestId ?? null,
      e.ip ?? null,
      e.userAgent ?? null,
    ];
    const { rows } =
      schema === null
        ? await t.db.pool.query<{ id: string }>(
            `INSERT INTO platform.audit_events (action, entity_type, entity_id, actor_type, actor_id,
               occurred_at, changes, request_id, ip, user_agent, organization_id, site_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12) RETURNING id`,
            [...common, e.organizationId ?? null, e.siteId ?? null],
          )
        : await t.db.pool.query<{ id: string }>(
            `INSERT INTO "${schema}".audit_events (action, entity_type, entity_id, actor_type, actor_id,
               occurred_at, changes, request_id, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) RETURNING id`,
            common,
          );
    ids.push(rows[0]?.id as string);
  }
  return ids;
};

/** `count` events one millisecond apart, newest last, ending `endingAt`. */
export const timeline = (count: number, endingAt = new Date()): Date[] =>
  Array.from({ length: count }, (_, i) => new Date(endingAt.getTime() - (count - 1 - i)));

/** An operation sent straight to a subgraph with a context signed as the gateway would. */
export const atSubgraph = (
  t: TestStack,
  subgraph: SubgraphName,
  context: { actor: Actor | null; tenant?: TenantRef | null },
  query: string,
  variables?: Record<string, unknown>,
): Promise<HttpResult> =>
  signedAtSubgraph(t, subgraph, { requestId: `audit-test-${Date.now()}`, ...context }, { query, variables });

export const tenantOf = (site: { id: string; slug: string; schemaName: string }): TenantRef => ({
  siteId: site.id,
  slug: site.slug,
  schema: site.schemaName,
});
