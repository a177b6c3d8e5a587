import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";

export type Context = RequestContext<ReturnType<typeof createLoaders>>;

/** An audit event of either scope, as the API shows it. */
export type AuditEventView = {
  id: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actorType: string;
  actorId: string | null;
  occurredAt: Date;
  changes: unknown;
  requestId: string | null;
};
