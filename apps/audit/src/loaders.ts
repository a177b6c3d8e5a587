import { byId, type RequestContext } from "@taruvi/subgraph-kit";
import type { AuditEventView } from "./context";

export const createLoaders = (ctx: Omit<RequestContext, "loaders">) => ({
  eventById: byId<AuditEventView>((ids) =>
    ctx.tenant
      ? ctx.db.auditEvent.findMany({ where: { id: { in: [...ids] } } })
      : ctx.platform.auditEvent.findMany({ where: { id: { in: [...ids] } } }),
  ),
});
