import { isUniqueViolation, type platform } from "@taruvi/db";
import { badUserInput, conflict } from "@taruvi/errors";
import { assertDomainCapacity } from "@taruvi/limits";
import { lockSiteForDomains, newDomainVerificationToken } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import { isUnderDomain, parseHostname } from "@taruvi/validation";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";
import { announce } from "./announce";
import { DOMAIN_AUDIT_FIELDS, domainEvent } from "./domains";

const DAY_MS = 86_400_000;

const inUse = (hostname: string) => conflict("domain", `${hostname} is already in use`);

/**
 * Claims a custom domain for a site (`admin_site`). With verification on it is PENDING: it does
 * not route until `verifyDomain` finds its token in the TXT record at
 * `_taruvi-challenge.<hostname>`, and the claim is dropped after `domainPendingDays` unless
 * verified. Adding a host name the site already claims renews that claim: same token (the
 * record already published stays valid), a new expiry. With verification off (development) the
 * domain is VERIFIED at once and the site's first one becomes primary.
 *
 * Refused: a malformed host name or one under the base domain (BAD_USER_INPUT on domain), a host
 * name VERIFIED by any site, this one included (CONFLICT on domain), a site at its plan's
 * domain limit (CONFLICT on plan; PENDING claims count). A PENDING claim of another site does
 * not stand in the way: only proof decides. One transaction under the site's lock, with its event.
 */
export const addDomain = async (ctx: Context, input: { siteId: string; domain: string }) => {
  const { site } = await getManagedSite(ctx, input.siteId);
  assertNotDeleted(site);
  const hostname = parseHostname(input.domain, "domain");
  const base = ctx.services.baseDomain;
  if (isUnderDomain(hostname, base)) {
    throw badUserInput("domain", `must not be ${base} or under it: sites answer there by their slug`);
  }
  const { domainChecker, domainPendingDays } = ctx.services;
  let domain: platform.Domain;
  try {
    domain = await auditedPlatformChange(ctx, async (tx) => {
      await lockSiteForDomains(tx, site.id);
      if (await tx.domain.findFirst({ where: { hostname, status: "VERIFIED" }, select: { id: true } })) {
        throw inUse(hostname);
      }
      const now = new Date();
      const expiresAt = new Date(now.getTime() + domainPendingDays * DAY_MS);
      const claimed = await tx.domain.findUnique({
        where: { siteId_hostname: { siteId: site.id, hostname } },
      });
      if (claimed) {
        const renewed = await tx.domain.update({ where: { id: claimed.id }, data: { expiresAt } });
        return {
          result: renewed,
          audit: domainEvent(site, "domain.renewed", renewed.id, diff(claimed, renewed, ["expiresAt"])),
        };
      }
      await assertDomainCapacity(tx, site.id);
      const verified = !domainChecker.enabled;
      const primary =
        verified && (await tx.domain.count({ where: { siteId: site.id, isPrimary: true } })) === 0;
      const created = await tx.domain.create({
        data: {
          siteId: site.id,
          hostname,
          status: verified ? "VERIFIED" : "PENDING",
          verificationToken: newDomainVerificationToken(),
          verifiedAt: verified ? now : null,
          expiresAt: verified ? null : expiresAt,
          isPrimary: primary,
        },
      });
      return {
        result: created,
        audit: domainEvent(site, "domain.added", created.id, diff(null, created, DOMAIN_AUDIT_FIELDS)),
      };
    });
  } catch (error) {
    // Another site verified this host name between our check and our insert.
    if (isUniqueViolation(error)) throw inUse(hostname);
    throw error;
  }
  // A VERIFIED domain answers from the next request on: drop the gateways' negative lookup.
  if (domain.status === "VERIFIED") await announce(ctx, [hostname]);
  return domain;
};
