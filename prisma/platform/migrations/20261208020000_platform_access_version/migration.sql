-- The version of who holds what on the platform, for the subgraphs' cache of an account's standing
-- in an organization (docs/decisions/0031-organization-access-cache.md), as a site's
-- `access_version` is for site access (0025). One row, bumped by triggers in the same transaction
-- as every change of an organization membership (joined, role changed, removed, also by the
-- cascade of a deleted organization or account) and of a platform grant (object_permissions:
-- ORGANIZATION and SITE grants, given or taken). The new version is left in the transaction's
-- `taruvi.platform_access_version` setting, so the writer learns it without a query (the platform
-- audit event's INSERT returns it) and announces it after the commit. A superuser flag is not
-- here: it travels in every request's signed context. Schema-agnostic (applied with search_path
-- set to the platform schema). Prisma cannot express triggers; packages/db/test/schema-matches-sql.int.test.ts lists these.

CREATE TABLE "access_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "access_version_pkey" PRIMARY KEY ("id")
);

INSERT INTO "access_version" ("id", "version") VALUES (1, 0);

CREATE FUNCTION "bump_platform_access_version"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bumped bigint;
BEGIN
  EXECUTE format('UPDATE %I."access_version" SET "version" = "version" + 1 RETURNING "version"', TG_TABLE_SCHEMA)
    INTO bumped;
  PERFORM set_config('taruvi.platform_access_version', bumped::text, true);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "organization_members_access_version"
  AFTER INSERT OR UPDATE OR DELETE ON "organization_members"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_platform_access_version"();

CREATE TRIGGER "object_permissions_access_version"
  AFTER INSERT OR UPDATE OR DELETE ON "object_permissions"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_platform_access_version"();
