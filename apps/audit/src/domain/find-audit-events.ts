import { badUserInput } from "@taruvi/errors";
import { decodeCursor, type PageArgs, type Position, pageSize, toConnection } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/tenancy";
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

/** A date, or a date-time with a time zone (a zone-less time would be read in the server's zone). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

const parseTime = (value: string | null | undefined, field: string): Date | undefined => {
  if (value === null || value === undefined) return undefined;
  const date = ISO_8601.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw badUserInput(
      field,
      "must be an ISO 8601 date or date-time with a time zone, e.g. 2026-11-27T10:00:00Z",
    );
  }
  return date;
};

const parseAfter = (after: string | null | undefined): Position | null => {
  const position = decodeCursor(after);
  if (position && !isUuid(position.id)) throw badUserInput("after", "is not a cursor returned by this API");
  return position;
};

/** The conditions both scopes share: the filter and the keyset position after the cursor. */
const conditionsOf = (args: FindAuditEventsArgs) => {
  const filter = args.filter ?? {};
  const from = parseTime(filter.from, "filter.from");
  const to = parseTime(filter.to, "filter.to");
  if (from && to && to <= from) throw badUserInput("filter.to", "must be after filter.from");
  const after = parseAfter(args.after);
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
