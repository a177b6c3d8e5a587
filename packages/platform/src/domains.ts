import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { isUniqueViolation, type PlatformClient, type platform } from "@taruvi/db";
import pLimit from "p-limit";

// Proof of ownership of custom domains (docs/decisions/0013-domain-verification.md). A domain is
// added PENDING with a random token; it becomes VERIFIED once a TXT record at
// `_taruvi-challenge.<hostname>` holds that token, found through the configured resolvers. Only
// VERIFIED domains route (and PENDING ones that existed before verification, until their
// grace_until). A host name is unique among VERIFIED domains (a partial unique index), so a
// PENDING claim squats nothing. PENDING claims expire at `expires_at`: the `domains.verify` job
// re-checks them and drops the expired ones.

type Tx = platform.Prisma.TransactionClient;
type Domain = platform.Domain;

export const DOMAIN_CHALLENGE_LABEL = "_taruvi-challenge";
export const DOMAIN_RECORD_TYPE = "TXT";

/** Where the proof lives: `_taruvi-challenge.<hostname>`. */
export const challengeRecordName = (hostname: string): string => `${DOMAIN_CHALLENGE_LABEL}.${hostname}`;

/** A fresh TXT value: 256 random bits, prefixed so that it says what it is in a zone file. */
export const newDomainVerificationToken = (): string =>
  `taruvi-domain-verification=${randomBytes(32).toString("base64url")}`;

/** What one DNS check found. */
export type DomainCheck =
  | { outcome: "verified" }
  /** No TXT record at the challenge name (NXDOMAIN or no data). */
  | { outcome: "missing" }
  /** TXT records there, none holding the token. */
  | { outcome: "mismatch"; found: number }
  /** The lookup itself failed (timeout, SERVFAIL, refused): nothing is known. */
  | { outcome: "failed"; code: string };

export type DomainChecker = {
  /** False with DOMAIN_VERIFICATION=off (never in production): every check passes, no DNS. */
  enabled: boolean;
  check: (hostname: string, token: string) => Promise<DomainCheck>;
};

/**
 * Checks `_taruvi-challenge.<hostname>` through `servers` (`ip` or `ip:port`, `[v6]:port`; the
 * system's resolvers when empty) with node:dns. A record's character strings are joined (long
 * values are split into 255-byte strings) and compared exactly.
 */
export const createDomainChecker = ({
  enabled = true,
  servers = [],
  timeoutMs = 2_000,
  tries = 2,
}: {
  enabled?: boolean;
  servers?: readonly string[];
  timeoutMs?: number;
  tries?: number;
} = {}): DomainChecker => {
  const resolver = new Resolver({ timeout: timeoutMs, tries });
  if (servers.length > 0) resolver.setServers([...servers]);
  return {
    enabled,
    check: async (hostname, token) => {
      if (!enabled) return { outcome: "verified" };
      let records: string[][];
      try {
        records = await resolver.resolveTxt(challengeRecordName(hostname));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === "ENOTFOUND" || code === "ENODATA") return { outcome: "missing" };
        return { outcome: "failed", code: typeof code === "string" ? code : "EUNKNOWN" };
      }
      const values = records.map((strings) => strings.join("").trim());
      if (values.includes(token)) return { outcome: "verified" };
      return values.length === 0 ? { outcome: "missing" } : { outcome: "mismatch", found: values.length };
    },
  };
};

/** Locks the site's row until the transaction ends: domain changes of a site run one at a time. */
export const lockSiteForDomains = async (tx: Tx, siteId: string): Promise<void> => {
  await tx.$queryRaw`SELECT 1 FROM platform.sites WHERE id = ${siteId}::uuid FOR UPDATE`;
};

/** When the site has no primary domain, its oldest VERIFIED one becomes primary (if any). */
export const promotePrimaryDomain = async (tx: Tx, siteId: string): Promise<void> => {
  if ((await tx.domain.count({ where: { siteId, isPrimary: true } })) > 0) return;
  const oldest = await tx.domain.findFirst({
    where: { siteId, status: "VERIFIED" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  if (oldest) await tx.domain.update({ where: { id: oldest.id }, data: { isPrimary: true } });
};

/**
 * Marks a PENDING domain VERIFIED inside the caller's transaction, after locking its site's row;
 * it becomes primary when its site has none. Returns the row before and after (the same row when
 * it already was VERIFIED), or null when it is gone. Throws a unique violation
 * (`domains_verified_hostname_key`) when another site's domain of that host name is VERIFIED.
 */
export const markDomainVerified = async (
  tx: Tx,
  domainId: string,
  now = new Date(),
): Promise<{ before: Domain; after: Domain } | null> => {
  const found = await tx.domain.findUnique({ where: { id: domainId } });
  if (!found) return null;
  await lockSiteForDomains(tx, found.siteId);
  const before = await tx.domain.findUnique({ where: { id: domainId } });
  if (!before) return null;
  if (before.status === "VERIFIED") return { before, after: before };
  const otherPrimaries = await tx.domain.count({
    where: { siteId: before.siteId, isPrimary: true, id: { not: before.id } },
  });
  const after = await tx.domain.update({
    where: { id: before.id },
    data: {
      status: "VERIFIED",
      verifiedAt: now,
      checkedAt: now,
      expiresAt: null,
      graceUntil: null,
      isPrimary: before.isPrimary || otherPrimaries === 0,
    },
  });
  return { before, after };
};

/** One platform audit event of the job (actor SYSTEM), in the change's own transaction. */
const recordSystemDomainEvent = async (
  tx: Tx,
  action: string,
  domain: Domain,
  changes: Record<string, { before: string | boolean | null; after: string | boolean | null }>,
) => {
  const site = await tx.site.findUnique({ where: { id: domain.siteId }, select: { organizationId: true } });
  await tx.auditEvent.create({
    data: {
      action,
      entityType: "Domain",
      entityId: domain.id,
      actorType: "SYSTEM",
      organizationId: site?.organizationId ?? null,
      siteId: domain.siteId,
      changes,
    },
  });
};

export type DomainRecheckReport = {
  checked: number;
  /** Host names that became VERIFIED (to announce to the gateways). */
  verified: string[];
  /** Lookups that failed (timeouts, SERVFAIL): tried again on the next run. */
  failed: number;
};

/**
 * The job's re-check: up to `limit` PENDING, unexpired domains of live sites, least recently
 * checked first, each looked up (at most `concurrency` at once) and marked VERIFIED when its
 * record is there (`domain.verified`, actor SYSTEM), `checked_at` stamped either way. A host name
 * another site verified first stays PENDING here (and expires).
 */
export const recheckPendingDomains = async (
  platformDb: PlatformClient,
  checker: DomainChecker,
  {
    limit = 200,
    concurrency = 4,
    now = new Date(),
  }: { limit?: number; concurrency?: number; now?: Date } = {},
): Promise<DomainRecheckReport> => {
  const pending = await platformDb.domain.findMany({
    where: { status: "PENDING", expiresAt: { gt: now }, site: { status: { not: "DELETED" } } },
    orderBy: [{ checkedAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
    take: limit,
  });
  const report: DomainRecheckReport = { checked: pending.length, verified: [], failed: 0 };
  const limited = pLimit(concurrency);
  await Promise.all(
    pending.map((domain) =>
      limited(async () => {
        const result = await checker.check(domain.hostname, domain.verificationToken);
        if (result.outcome === "failed") report.failed += 1;
        if (result.outcome === "verified") {
          try {
            const marked = await platformDb.$transaction(async (tx) => {
              const change = await markDomainVerified(tx, domain.id, now);
              if (!change || change.before.status === "VERIFIED") return false;
              await recordSystemDomainEvent(tx, "domain.verified", change.after, {
                status: { before: "PENDING", after: "VERIFIED" },
                ...(change.before.isPrimary === change.after.isPrimary
                  ? {}
                  : { isPrimary: { before: change.before.isPrimary, after: change.after.isPrimary } }),
              });
              return true;
            });
            if (marked) report.verified.push(domain.hostname);
            return;
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
          }
        }
        await platformDb.domain.updateMany({
          where: { id: domain.id, status: "PENDING" },
          data: { checkedAt: now },
        });
      }),
    ),
  );
  return report;
};

/**
 * The job's expiry: deletes up to `limit` PENDING domains whose claim expired (pre-existing ones
 * at the end of their grace period), each in its own transaction under its site's lock, with a
 * `domain.expired` event (actor SYSTEM); a removed primary passes to the oldest VERIFIED domain.
 * Returns the removed host names (to announce: a domain in its grace period stops routing).
 */
export const expireDomainClaims = async (
  platformDb: PlatformClient,
  { limit = 500, now = new Date() }: { limit?: number; now?: Date } = {},
): Promise<string[]> => {
  const expired = await platformDb.domain.findMany({
    where: { status: "PENDING", expiresAt: { lte: now } },
    orderBy: { expiresAt: "asc" },
    take: limit,
  });
  const removed: string[] = [];
  for (const domain of expired) {
    const deleted = await platformDb.$transaction(async (tx) => {
      await lockSiteForDomains(tx, domain.siteId);
      const { count } = await tx.domain.deleteMany({
        where: { id: domain.id, status: "PENDING", expiresAt: { lte: now } },
      });
      if (count === 0) return false; // verified or renewed meanwhile
      await promotePrimaryDomain(tx, domain.siteId);
      await recordSystemDomainEvent(tx, "domain.expired", domain, {
        hostname: { before: domain.hostname, after: null },
        status: { before: "PENDING", after: null },
      });
      return true;
    });
    if (deleted) removed.push(domain.hostname);
  }
  return removed;
};
