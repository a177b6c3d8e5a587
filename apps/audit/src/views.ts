import type { TenantRef } from "@taruvi/auth";
import type { AuditActorType } from "@taruvi/subgraph-kit";

/** A row of either scope's audit_events, as Prisma reads it (platform rows add the last two). */
export type AuditEventRow = {
  id: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actorType: AuditActorType;
  actorId: string | null;
  occurredAt: Date;
  changes: unknown;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  organizationId?: string | null;
  siteId?: string | null;
};

/** An audit event of either scope, as the API shows it. */
export type AuditEventView = Omit<AuditEventRow, "organizationId" | "siteId"> & {
  /** `platform`, or `site:<siteId>`. */
  scope: string;
  organizationId: string | null;
  siteId: string | null;
};

/** The view of a row read in the request's scope (`tenant` null: the platform). */
export const toView = (tenant: TenantRef | null, row: AuditEventRow): AuditEventView =>
  tenant
    ? { ...row, scope: `site:${tenant.siteId}`, organizationId: null, siteId: tenant.siteId }
    : { ...row, scope: "platform", organizationId: row.organizationId ?? null, siteId: row.siteId ?? null };
