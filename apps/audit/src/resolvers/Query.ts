import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { type AuditEventFilter, findAuditEvents } from "../domain/find-audit-events";

export const Query = {
  auditEvents: (_: unknown, args: PageArgs & { filter?: AuditEventFilter | null }, ctx: Context) =>
    findAuditEvents(ctx, args),
};
