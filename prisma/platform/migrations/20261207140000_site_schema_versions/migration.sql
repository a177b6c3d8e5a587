-- Per-service tenant migrations (docs/decisions/0014-per-service-migrations.md): each site schema
-- holds the tables of every registered service, each with its own migration set. This table is
-- where the migrator keeps, per (site, service), the newest migration applied and the last
-- failure, so one query finds every (site, service) behind its head. sites.schema_version and
-- sites.migration_error keep meaning the core set ("core"), as before.

-- CreateTable
CREATE TABLE "site_schema_versions" (
    "site_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "version" TEXT,
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "site_schema_versions_pkey" PRIMARY KEY ("site_id","service")
);

-- AddForeignKey
ALTER TABLE "site_schema_versions" ADD CONSTRAINT "site_schema_versions_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every existing site's core set, as sites.schema_version and sites.migration_error record it.
INSERT INTO "site_schema_versions" ("site_id", "service", "version", "error")
SELECT "id", 'core', "schema_version", "migration_error" FROM "sites"
WHERE "schema_version" IS NOT NULL OR "migration_error" IS NOT NULL;
