import type { platform } from "@taruvi/db";
import type { Context } from "../context";

type ActorType = "ACCOUNT" | "USER" | "API_KEY" | "SYSTEM";

const ACTOR_TYPES = { account: "ACCOUNT", user: "USER", api_key: "API_KEY" } as const;

export type AuditEntry = {
  /** e.g. `user.created`, `session.reuse_detected`. */
  action: string;
  entityType: string;
  entityId: string | null;
  /** Defaults to the caller (SYSTEM when anonymous). */
  actor?: { type: ActorType; id: string | null };
  /** Before/after values of changed fields; never a secret. */
  changes?: platform.Prisma.InputJsonObject;
};

/**
 * Appends an event to the audit trail of the request's scope (the site's `audit_events`, or
 * `platform.audit_events`), with the request id and the client's IP and user agent.
 */
export const recordAudit = async (ctx: Context, entry: AuditEntry): Promise<void> => {
  const actor = entry.actor ?? {
    type: ctx.actor ? ACTOR_TYPES[ctx.actor.type] : "SYSTEM",
    id: ctx.actor?.id ?? null,
  };
  const data = {
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    actorType: actor.type,
    actorId: actor.id,
    requestId: ctx.requestId,
    ip: ctx.client.ip,
    userAgent: ctx.client.userAgent,
    ...(entry.changes ? { changes: entry.changes } : {}),
  };
  if (ctx.tenant) await ctx.db.auditEvent.create({ data });
  else await ctx.platform.auditEvent.create({ data });
};
