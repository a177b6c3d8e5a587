-- Site schema: an API key expires by the end of year 9999 at the latest. PostgreSQL stores later
-- instants, but they no longer read back (ISO 8601 and JavaScript's Date have four-digit years),
-- so one such key broke every listing of the site's keys. Keys stored that way are clamped to the
-- last millisecond of 9999 (still "practically never"), and the database refuses later ones.
-- 253402300800 is 10000-01-01T00:00:00Z in Unix seconds (a literal that prints the same in every
-- time zone). Prisma cannot express a CHECK; packages/db/test/schema-matches-sql.int.test.ts
-- lists it. Schema-agnostic.

UPDATE "api_keys" SET "expires_at" = to_timestamp(253402300799.999)
WHERE "expires_at" >= to_timestamp(253402300800);

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_expires_at_check"
  CHECK ("expires_at" < to_timestamp(253402300800));
