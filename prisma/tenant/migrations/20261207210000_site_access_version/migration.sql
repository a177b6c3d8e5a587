-- Site schema: the version of who holds what in the site, for the subgraphs' cache of site access
-- (docs/decisions/0025-site-access-cache.md). One row, bumped by triggers in the same transaction
-- as every change that can alter a principal's access: a grant (given, changed, removed, also by
-- a cascade), a group membership, a user's admin or active flag or deletion, an API key's scopes,
-- revocation, expiry, creator or deletion. The new version is left in the transaction's
-- `taruvi.access_version` setting, so the writer learns it without a query (the audit event's
-- INSERT returns it) and announces it after the commit. Creating a user, a group or a key changes
-- nobody's access (a key's grants do, through permission_grants), so those do not bump it.
-- Schema-agnostic: the function finds the version in the schema of the table that fired it.
-- Prisma cannot express triggers; packages/db/test/schema-matches-sql.int.test.ts lists these.

CREATE TABLE "access_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "access_version_pkey" PRIMARY KEY ("id")
);

INSERT INTO "access_version" ("id", "version") VALUES (1, 0);

CREATE FUNCTION "bump_access_version"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bumped bigint;
BEGIN
  EXECUTE format('UPDATE %I."access_version" SET "version" = "version" + 1 RETURNING "version"', TG_TABLE_SCHEMA)
    INTO bumped;
  PERFORM set_config('taruvi.access_version', bumped::text, true);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "permission_grants_access_version"
  AFTER INSERT OR UPDATE OR DELETE ON "permission_grants"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_access_version"();

CREATE TRIGGER "group_members_access_version"
  AFTER INSERT OR UPDATE OR DELETE ON "group_members"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_access_version"();

-- Per row, and only when a flag really changes: an edit of a user's name sets every column.
CREATE TRIGGER "users_access_version"
  AFTER UPDATE OF "is_admin", "is_active" ON "users"
  FOR EACH ROW
  WHEN (OLD."is_admin" <> NEW."is_admin" OR OLD."is_active" <> NEW."is_active")
  EXECUTE FUNCTION "bump_access_version"();

CREATE TRIGGER "users_deleted_access_version"
  AFTER DELETE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_access_version"();

CREATE TRIGGER "api_keys_access_version"
  AFTER UPDATE OF "scopes", "revoked_at", "expires_at", "created_by_id" OR DELETE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_access_version"();
