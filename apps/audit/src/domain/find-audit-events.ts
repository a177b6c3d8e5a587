import { badUserInput } from "@taruvi/errors";
import { decodeCursor, type PageArgs, type Position, pageSize, toConnection } from "@taruvi/subgraph-kit";
import { parseDateTime } from "@taruvi/validation";
import type { Context } from "../context";
import { type AuditEventRow, type AuditEventView, toView } from "../views";
import { visibleEvents } from "./platform-visibility";

export type AuditEventFilter = {
  entityType?: string | null;
  entityId?: string | null;
  actorId?: string | null;
  action?: string | null;
  from?: string | null;
  to?: string | null;
};

export type FindAuditEventsArgs = PageArgs & { filter?: AuditEventFilter | null };

const parseTime = (value: string | null | undefined, field: string): Date | undefined =>
  value === null || value === undefined ? undefined : parseDateTime(value, field);

/** The conditions both scopes share: the filter and the keyset position after the cursor. */
const conditionsOf = (args: FindAuditEventsArgs) => {
  const filter = args.filter ?? {};
  const from = parseTime(filter.from, "filter.from");
  const to = parseTime(filter.to, "filter.to");
  if (from && to && to <= from) throw badUserInput("filter.to", "must be after filter.from");
  const after = decodeCursor(args.after);
  return [
    ...(filter.entityType != null ? [{ entityType: filter.entityType }] : []),
    ...(filter.entityId != null ? [{ entityId: filter.entityId }] : []),
    ...(filter.actorId != null ? [{ actorId: filter.actorId }] : []),
    ...(filter.action != null ? [{ action: filter.action }] : []),
    ...(from || to ? [{ occurredAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } }] : []),
    // Strictly after the cursor in (occurredAt, id) descending order: events written while a
    // client pages never shift the events it has not reached yet.
    ...(after
      ? [{ OR: [{ occurredAt: { lt: after.at } }, { occurredAt: after.at, id: { lt: after.id } }] }]
      : []),
  ];
};

const position = (event: AuditEventView): Position => ({ at: event.occurredAt, id: event.id });

/**
 * One page of the audit trail, newest first. Site scope: the site's own events (the shield has
 * checked audit.view). Platform scope: what the caller may see (./platform-visibility.ts); an
 * empty page when that is nothing.
 */
export const findAuditEvents = async (ctx: Context, args: FindAuditEventsArgs) => {
  const size = pageSize(args.first);
  const conditions = conditionsOf(args);
  const page = { orderBy: [{ occurredAt: "desc" as const }, { id: "desc" as const }], take: size + 1 };

  let rows: AuditEventRow[];
  if (ctx.tenant) {
    rows = await ctx.db.auditEvent.findMany({ where: { AND: conditions }, ...page });
  } else {
    const visible = visibleEvents(await ctx.loaders.visibility());
    rows = visible
      ? await ctx.platform.auditEvent.findMany({ where: { AND: [visible, ...conditions] }, ...page })
      : [];
  }
  return toConnection<AuditEventView>(
    rows.map((row) => toView(ctx.tenant, row)),
    size,
    position,
  );
};
