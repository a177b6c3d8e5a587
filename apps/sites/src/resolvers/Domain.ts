import type { platform } from "@taruvi/db";
import { challengeRecordName, DOMAIN_RECORD_TYPE } from "@taruvi/platform";
import type { Context } from "../context";
import { findVisibleDomain } from "../domain/find-sites";

export const Domain = {
  __resolveReference: (ref: { id: string }, ctx: Context) => findVisibleDomain(ctx, ref.id),
  site: (domain: platform.Domain, _: unknown, ctx: Context) => ctx.loaders.siteById.load(domain.siteId),
  verification: (domain: platform.Domain) => ({
    recordName: challengeRecordName(domain.hostname),
    recordType: DOMAIN_RECORD_TYPE,
    recordValue: domain.verificationToken,
  }),
  verifiedAt: (domain: platform.Domain) => domain.verifiedAt?.toISOString() ?? null,
  expiresAt: (domain: platform.Domain) => domain.expiresAt?.toISOString() ?? null,
  graceUntil: (domain: platform.Domain) => domain.graceUntil?.toISOString() ?? null,
  createdAt: (domain: platform.Domain) => domain.createdAt.toISOString(),
};
