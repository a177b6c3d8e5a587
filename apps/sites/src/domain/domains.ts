import type { platform } from "@taruvi/db";
import { conflict, notFound } from "@taruvi/errors";
import { lockSiteForDomains, promotePrimaryDomain } from "@taruvi/platform";
import { type AuditRecord, auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";
import { announce } from "./announce";

// Domain changes of one site run in a transaction that first locks the site's row
// (`lockSiteForDomains`), so they happen one after the other: a site has exactly one primary
// domain (while it has a VERIFIED one), whatever runs at the same time. Each records its event in
// that transaction. Proof of ownership: add-domain.ts and verify-domain.ts, docs/decisions/0013.

/** The fields of a domain its audit events show (never the token: it is in the TXT record). */
export const DOMAIN_AUDIT_FIELDS = ["hostname", "status", "isPrimary", "expiresAt"] as const;

export const domainEvent = (
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

/** The domain and its site, when the caller may manage the site; NOT_FOUND otherwise. */
export const getManagedDomain = async (ctx: Context, id: unknown) => {
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

/** Makes this VERIFIED domain the site's only primary one (CONFLICT on status while PENDING). */
export const setPrimaryDomain = async (ctx: Context, id: unknown) => {
  const { domain, site } = await getManagedDomain(ctx, id);
  const updated = await auditedPlatformChange(ctx, async (tx) => {
    await lockSiteForDomains(tx, site.id);
    const before = await tx.domain.findUnique({ where: { id: domain.id } });
    if (!before) throw notFound("domain"); // removed while we waited for the lock
    if (before.status !== "VERIFIED") {
      throw conflict("status", `${before.hostname} is not verified yet: verify it before making it primary`);
    }
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

/** Removes a domain (unreachable at once); a removed primary passes to the oldest VERIFIED one. */
export const removeDomain = async (ctx: Context, id: unknown) => {
  const { domain, site } = await getManagedDomain(ctx, id);
  await auditedPlatformChange(ctx, async (tx) => {
    await lockSiteForDomains(tx, site.id);
    const before = await tx.domain.findUnique({ where: { id: domain.id } });
    if (!before) throw notFound("domain");
    await tx.domain.delete({ where: { id: domain.id } });
    await promotePrimaryDomain(tx, site.id);
    return {
      result: null,
      audit: domainEvent(
        site,
        "domain.removed",
        domain.id,
        diff(before, null, ["hostname", "status", "isPrimary"]),
      ),
    };
  });
  await announce(ctx, [domain.hostname]);
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};
