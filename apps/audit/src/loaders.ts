import { byId, type RequestContext } from "@taruvi/subgraph-kit";
import type DataLoader from "dataloader";
import { findPlatformVisibility, type PlatformVisibility, visibleEvents } from "./domain/platform-visibility";
import { type AuditEventRow, type AuditEventView, toView } from "./views";

export type AuditLoaders = {
  /** What the caller may see on the platform, loaded once per request. */
  visibility: () => Promise<PlatformVisibility>;
  /** Events of this scope by id; an event the caller may not see is null. */
  eventById: DataLoader<string, AuditEventView | null>;
};

export const createLoaders = (ctx: Omit<RequestContext, "loaders">): AuditLoaders => {
  let visibility: Promise<PlatformVisibility> | undefined;
  const platformVisibility = () => {
    visibility ??= findPlatformVisibility(ctx);
    return visibility;
  };
  const load = async (ids: readonly string[]): Promise<AuditEventRow[]> => {
    if (ctx.tenant) return ctx.db.auditEvent.findMany({ where: { id: { in: [...ids] } } });
    const visible = visibleEvents(await platformVisibility());
    return visible
      ? ctx.platform.auditEvent.findMany({ where: { AND: [visible, { id: { in: [...ids] } }] } })
      : [];
  };
  return {
    visibility: platformVisibility,
    eventById: byId(async (ids) => (await load(ids)).map((row) => toView(ctx.tenant, row))),
  };
};
