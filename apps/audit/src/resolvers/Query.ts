import type { Context } from "../context";
import { type FindAuditEventsArgs, findAuditEvents } from "../domain/find-audit-events";

export const Query = {
  auditEvents: (_: unknown, args: FindAuditEventsArgs, ctx: Context) => findAuditEvents(ctx, args),
};
