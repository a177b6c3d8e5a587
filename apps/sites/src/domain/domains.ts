import { isUniqueViolation, type platform } from "@taruvi/db";
import { badUserInput, conflict, notFound } from "@taruvi/errors";
import { type AuditRecord, auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { isUnderDomain, isUuid, parseHostname } from "@taruvi/tenancy";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";
import { announce } from "./announce";

type Tx = platform.Prisma.TransactionClient;

/**
 * Domain changes of one site run in a transaction that first locks the site's row, so they
 * happen one after the other: a site has exactly one primary domain (while it has any),
 * whatever runs at the same time. Each records its event in that transaction.
 */
const lockSite = async (tx: Tx, siteId: string) => {
  await tx.$queryRaw`SELECT 1 FROM platform.sites WHERE id = ${siteId}::uuid FOR UPDATE`;
};

const domainEvent = (
  site: platform.Site,
  action: string,
  domainId: string,
  changes: AuditRecord["changes"],
): AuditRecord => ({
  action,
  entityType: "Domain",
  entityId: domainId,
  organizationId: site.organizationId,
  siteId: site.id,
  changes,
});

/** A custom domain the site answers at, at once (`admin_site`); the first one becomes its primary. */
export const addDomain = async (ctx: Context, input: { siteId: string; domain: string }) => {
  const { site } = await getManagedSite(ctx, input.siteId);
  assertNotDeleted(site);
  const hostname = parseHostname(input.domain, "domain");
  const base = ctx.services.baseDomain;
  if (isUnderDomain(hostname, base)) {
    throw badUserInput("domain", `must not be ${base} or under it: sites answer there by their slug`);
  }
  let domain: platform.Domain;
  try {
    domain = await auditedPlatformChange(ctx, async (tx) => {
      await lockSite(tx, site.id);
      const primary = await tx.domain.count({ where: { siteId: site.id, isPrimary: true } });
      const created = await tx.domain.create({
        data: { siteId: site.id, hostname, isPrimary: primary === 0 },
      });
      return {
        result: created,
        audit: domainEvent(site, "domain.added", created.id, diff(null, created, ["hostname", "isPrimary"])),
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("domain", `${hostname} is already in use`);
    throw error;
  }
  // Drops a negative lookup of the host name, so it is reachable on the next request.
  await announce(ctx, [hostname]);
  return domain;
};

/** The domain and its site, when the caller may manage the site; NOT_FOUND otherwise. */
const getManagedDomain = async (ctx: Context, id: unknown) => {
  const domain = isUuid(id)
    ? await ctx.platform.domain.findUnique({ where: { id: id.toLowerCase() } })
    : null;
  if (!domain) throw notFound("domain");
  const { site } = await getManagedSite(ctx, domain.siteId).catch((error: { code?: string }) => {
    throw error.code === "NOT_FOUND" ? notFound("domain") : error;
  });
  assertNotDeleted(site);
  return { domain, site };
};

/** Makes this domain the site's only primary one. */
export const setPrimaryDomain = async (ctx: Context, id: unknown) => {
  const { domain, site } = await getManagedDomain(ctx, id);
  const updated = await auditedPlatformChange(ctx, async (tx) => {
    await lockSite(tx, site.id);
    const before = await tx.domain.findUnique({ where: { id: domain.id } });
    if (!before) throw notFound("domain"); // removed while we waited for the lock
    await tx.$executeRaw`
      UPDATE platform.domains SET is_primary = (id = ${domain.id}::uuid) WHERE site_id = ${site.id}::uuid`;
    const after = await tx.domain.findUniqueOrThrow({ where: { id: domain.id } });
    return {
      result: after,
      audit: domainEvent(site, "domain.primary_set", domain.id, diff(before, after, ["isPrimary"])),
    };
  });
  await announce(ctx, [domain.hostname]);
  return updated;
};

/** Removes a domain (unreachable at once); a removed primary passes to the oldest remaining. */
export const removeDomain = async (ctx: Context, id: unknown) => {
  const { domain, site } = await getManagedDomain(ctx, id);
  await auditedPlatformChange(ctx, async (tx) => {
    await lockSite(tx, site.id);
    const before = await tx.domain.findUnique({ where: { id: domain.id } });
    if (!before) throw notFound("domain");
    await tx.domain.delete({ where: { id: domain.id } });
    if ((await tx.domain.count({ where: { siteId: site.id, isPrimary: true } })) === 0) {
      const oldest = await tx.domain.findFirst({
        where: { siteId: site.id },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      if (oldest) await tx.domain.update({ where: { id: oldest.id }, data: { isPrimary: true } });
    }
    return {
      result: null,
      audit: domainEvent(site, "domain.removed", domain.id, diff(before, null, ["hostname", "isPrimary"])),
    };
  });
  await announce(ctx, [domain.hostname]);
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};
