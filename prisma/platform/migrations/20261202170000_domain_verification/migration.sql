-- Custom domains need proof of ownership (docs/decisions/0013-domain-verification.md): a domain
-- is PENDING until a TXT record at _taruvi-challenge.<hostname> holds its verification token, and
-- only VERIFIED domains route. Domains that exist now become PENDING with a grace period during
-- which they still route: `taruvi.domain_grace_days` (DOMAIN_GRACE_DAYS of `taruvi migrate` and
-- `npm start`, set for this transaction by the migrator), 14 days when unset.

-- CreateEnum
CREATE TYPE "DomainStatus" AS ENUM ('PENDING', 'VERIFIED');

-- DropIndex
DROP INDEX "domains_hostname_key";

-- DropIndex
DROP INDEX "domains_site_id_idx";

-- AlterTable
ALTER TABLE "domains" ADD COLUMN     "checked_at" TIMESTAMPTZ(3),
ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "grace_until" TIMESTAMPTZ(3),
ADD COLUMN     "status" "DomainStatus" NOT NULL DEFAULT 'PENDING',
ADD COLUMN     "verification_token" TEXT,
ADD COLUMN     "verified_at" TIMESTAMPTZ(3);

-- Existing domains: PENDING, each with its own random token (two v4 UUIDs: 244 random bits),
-- routing until the grace period ends; the domains.verify job drops them then unless verified.
UPDATE "domains" SET
  "verification_token" = 'taruvi-domain-verification=' || replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
  "grace_until" = CURRENT_TIMESTAMP + make_interval(days => coalesce(nullif(current_setting('taruvi.domain_grace_days', true), '')::integer, 14)),
  "expires_at" = CURRENT_TIMESTAMP + make_interval(days => coalesce(nullif(current_setting('taruvi.domain_grace_days', true), '')::integer, 14));

ALTER TABLE "domains" ALTER COLUMN "verification_token" SET NOT NULL;

-- CreateIndex
CREATE INDEX "domains_hostname_idx" ON "domains"("hostname");

-- CreateIndex
CREATE UNIQUE INDEX "domains_site_id_hostname_key" ON "domains"("site_id", "hostname");

-- Beyond Prisma: a host name is unique among VERIFIED domains only, so a PENDING claim of one
-- site cannot squat a host name another site may prove it owns.
CREATE UNIQUE INDEX "domains_verified_hostname_key" ON "domains"("hostname") WHERE "status" = 'VERIFIED';
