import type { platform } from "@taruvi/db";
import type { PlatformDb } from "@taruvi/tenancy";
import type { Context } from "../context";

export type AuditEntry = {
  /** e.g. `organization.created`, `member.removed`. */
  action: string;
  entityType: "Organization" | "OrganizationMember" | "Invitation";
  entityId: string;
  organizationId: string;
  /** Before/after values of changed fields; never a token. */
  changes?: platform.Prisma.InputJsonObject;
};

/**
 * Appends an event to `platform.audit_events` as the calling account, with the request id and
 * client. Pass the transaction (`db`) to commit it with the change it records.
 */
export const recordAudit = async (ctx: Context, entry: AuditEntry, db: PlatformDb = ctx.platform) => {
  await db.auditEvent.create({
    data: {
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      organizationId: entry.organizationId,
      actorType: ctx.actor ? "ACCOUNT" : "SYSTEM",
      actorId: ctx.actor?.id ?? null,
      requestId: ctx.requestId,
      ip: ctx.client.ip,
      userAgent: ctx.client.userAgent,
      ...(entry.changes ? { changes: entry.changes } : {}),
    },
  });
};
