import { type platform, prismaSqlExecutor } from "@taruvi/db";
import { conflict } from "@taruvi/errors";
import type { SiteLifecycle } from "@taruvi/jobs";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { getManagedSite } from "./access";
import { announceSite } from "./announce";

type Status = platform.SiteStatus;

type Transition = {
  action: string;
  /** The lifecycle event services' hooks receive. */
  event: SiteLifecycle;
  /** The states this change starts from. */
  from: readonly Status[];
  to: Status;
  data: () => platform.Prisma.SiteUpdateManyMutationInput;
  /** What the refusal says the change needs. */
  needs: string;
};

const TRANSITIONS = {
  suspend: {
    action: "site.suspended",
    event: "suspended",
    from: ["ACTIVE"],
    to: "SUSPENDED",
    data: () => ({ suspendedAt: new Date() }),
    needs: "only an ACTIVE site can be suspended",
  },
  resume: {
    action: "site.resumed",
    event: "resumed",
    from: ["SUSPENDED"],
    to: "ACTIVE",
    data: () => ({ suspendedAt: null }),
    needs: "only a SUSPENDED site can be resumed",
  },
  delete: {
    action: "site.deleted",
    event: "deleted",
    from: ["ACTIVE", "SUSPENDED"],
    to: "DELETED",
    data: () => ({ deletedAt: new Date() }),
    needs: "it is already deleted",
  },
} satisfies Record<string, Transition>;

/**
 * Moves a site (`admin_site`) from one of `from` to `to` with one conditional UPDATE, so two
 * concurrent changes cannot both apply, and records the event in the same transaction (an
 * invalid transition is CONFLICT and records nothing), with the lifecycle event for every
 * service that has a hook for it (enqueued in that transaction: delivered if and only if the
 * change commits; a failing hook never undoes it); then tells every gateway (slug and custom
 * domains), which refuse a SUSPENDED or DELETED site (TENANT_SUSPENDED) from their next request
 * on, tokens included.
 */
const transition = async (ctx: Context, id: unknown, change: Transition) => {
  const { site } = await getManagedSite(ctx, id);
  await auditedPlatformChange(ctx, async (tx) => {
    const [before] = await tx.$queryRaw<{ status: Status; slug: string; schema_name: string }[]>`
      SELECT status, slug, schema_name FROM platform.sites WHERE id = ${site.id}::uuid FOR UPDATE`;
    const { count } = await tx.site.updateMany({
      where: { id: site.id, status: { in: [...change.from] } },
      data: { status: change.to, ...change.data() },
    });
    if (count === 0) {
      throw conflict("status", `site ${site.slug} is ${before?.status ?? "gone"}; ${change.needs}`);
    }
    if (before) {
      await ctx.services.siteEvents.publish(
        prismaSqlExecutor(tx),
        { siteId: site.id, slug: before.slug, schema: before.schema_name },
        change.event,
      );
    }
    return {
      result: null,
      audit: {
        action: change.action,
        entityType: "Site",
        entityId: site.id,
        organizationId: site.organizationId,
        siteId: site.id,
        changes: diff({ status: before?.status }, { status: change.to }),
      },
    };
  });
  await announceSite(ctx, site.id);
  ctx.logger.info({ siteId: site.id, status: change.to }, change.action);
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};

export const suspendSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.suspend);
export const resumeSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.resume);
export const deleteSite = (ctx: Context, id: unknown) => transition(ctx, id, TRANSITIONS.delete);
