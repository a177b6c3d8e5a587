import { isUniqueViolation, type platform } from "@taruvi/db";
import { badUserInput, conflict, notFound } from "@taruvi/errors";
import { challengeRecordName, type DomainCheck, markDomainVerified } from "@taruvi/platform";
import { auditedPlatformChange, diff } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { announce } from "./announce";
import { domainEvent, getManagedDomain } from "./domains";

const VERIFIED_FIELDS = ["status", "isPrimary", "expiresAt", "graceUntil"];

const inUse = (hostname: string) =>
  conflict("domain", `${hostname} is already in use: another site proved it owns it`);

/** Why a check did not verify, in words that say what to do. */
const whyNot = (check: Exclude<DomainCheck, { outcome: "verified" }>, record: string, value: string) => {
  switch (check.outcome) {
    case "missing":
      return `no TXT record found at ${record}: create one with the value ${value}, then verify again (DNS changes can take a few minutes)`;
    case "mismatch":
      return `the TXT record${check.found === 1 ? "" : "s"} at ${record} ${check.found === 1 ? "does" : "do"} not hold this domain's value ${value}: it may be another claim's token or a typo`;
    case "failed":
      return `the DNS lookup of ${record} failed (${check.code}): check the domain's DNS servers, then try again`;
  }
};

/**
 * Proves ownership of a PENDING domain (`admin_site` on its site): its TXT record at
 * `_taruvi-challenge.<hostname>` must hold the domain's token, looked up through the configured
 * resolvers (DNS_SERVERS). Then, in one transaction under the site's lock with `domain.verified`,
 * it becomes VERIFIED (and primary when the site has none) and routes from the next request on.
 * A VERIFIED domain is returned as it is (nothing recorded).
 *
 * Refused: the record missing, wrong or not found (BAD_USER_INPUT on domain, saying which and
 * what to publish); an expired claim (BAD_USER_INPUT: add it again); the host name VERIFIED by
 * another site, also when that happens during the check (CONFLICT on domain). Nothing is written.
 */
export const verifyDomain = async (ctx: Context, id: unknown) => {
  const { domain, site } = await getManagedDomain(ctx, id);
  if (domain.status === "VERIFIED") return domain;
  if (domain.expiresAt && domain.expiresAt.getTime() <= Date.now()) {
    throw badUserInput(
      "domain",
      `the claim of ${domain.hostname} expired at ${domain.expiresAt.toISOString()}: add the domain again`,
    );
  }
  const taken = await ctx.platform.domain.findFirst({
    where: { hostname: domain.hostname, status: "VERIFIED" },
    select: { id: true },
  });
  if (taken) throw inUse(domain.hostname);

  const record = challengeRecordName(domain.hostname);
  const check = await ctx.services.domainChecker.check(domain.hostname, domain.verificationToken);
  if (check.outcome !== "verified") {
    if (check.outcome === "failed")
      ctx.logger.warn({ domainId: domain.id, code: check.code }, "TXT lookup failed");
    throw badUserInput("domain", whyNot(check, record, domain.verificationToken));
  }

  let verified: platform.Domain;
  try {
    verified = await auditedPlatformChange(ctx, async (tx) => {
      const change = await markDomainVerified(tx, domain.id);
      if (!change) throw notFound("domain"); // removed while we looked it up
      const { before, after } = change;
      return {
        result: after,
        audit:
          before.status === "VERIFIED"
            ? null // verified by someone else meanwhile
            : domainEvent(site, "domain.verified", after.id, diff(before, after, VERIFIED_FIELDS)),
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw inUse(domain.hostname);
    throw error;
  }
  await announce(ctx, [domain.hostname]);
  return verified;
};
