import { badUserInput } from "@taruvi/errors";
import { decodeCursor, type PageArgs, pageSize, requireActor, toConnection } from "@taruvi/subgraph-kit";
import type { AuditEventView, Context } from "../context";

export type AuditEventFilter = {
  entityType?: string | null;
  entityId?: string | null;
  actorId?: string | null;
  action?: string | null;
  from?: string | null;
  to?: string | null;
};

const parseTime = (value: string | null | undefined, field: string): Date | undefined => {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badUserInput(`filter.${field}`, "must be an ISO 8601 date-time");
  return date;
};

/**
 * The audit trail, newest first. Site scope: the site's events, for its signed-in users.
 * Platform scope: events of the caller's organizations and their sites; all for a superuser.
 */
export const findAuditEvents = async (
  ctx: Context,
  args: PageArgs & { filter?: AuditEventFilter | null },
) => {
  const actor = requireActor(ctx);
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const filter = args.filter ?? {};
  const from = parseTime(filter.from, "from");
  const to = parseTime(filter.to, "to");
  const conditions = [
    ...(filter.entityType ? [{ entityType: filter.entityType }] : []),
    ...(filter.entityId ? [{ entityId: filter.entityId }] : []),
    ...(filter.actorId ? [{ actorId: filter.actorId }] : []),
    ...(filter.action ? [{ action: filter.action }] : []),
    ...(from || to ? [{ occurredAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } }] : []),
    ...(after
      ? [{ OR: [{ occurredAt: { lt: after.at } }, { occurredAt: after.at, id: { lt: after.id } }] }]
      : []),
  ];
  const page = { orderBy: [{ occurredAt: "desc" as const }, { id: "desc" as const }], take: size + 1 };
  const position = (event: AuditEventView) => ({ at: event.occurredAt, id: event.id });

  if (ctx.tenant) {
    if (actor.type === "account") return toConnection<AuditEventView>([], size, position);
    const rows = await ctx.db.auditEvent.findMany({ where: { AND: conditions }, ...page });
    return toConnection<AuditEventView>(rows, size, position);
  }
  if (actor.type !== "account") return toConnection<AuditEventView>([], size, position);
  const scope = actor.superuser ? [] : [{ organizationId: { in: await organizationsOf(ctx, actor.id) } }];
  const rows = await ctx.platform.auditEvent.findMany({ where: { AND: [...scope, ...conditions] }, ...page });
  return toConnection<AuditEventView>(rows, size, position);
};

const organizationsOf = async (ctx: Context, accountId: string): Promise<string[]> =>
  (
    await ctx.platform.organizationMember.findMany({
      where: { accountId, role: { in: ["OWNER", "ADMIN"] } },
      select: { organizationId: true },
    })
  ).map((m) => m.organizationId);
