-- The audit trail is append-only: the database itself refuses to change or remove an event,
-- whatever client connects. Schema-agnostic: the function is created in the schema being
-- migrated (first on the search path), so every schema stays self-contained.
-- Prisma cannot express triggers; packages/db/test/schema-matches-sql.int.test.ts lists these.

CREATE FUNCTION "audit_events_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_events_append_only"
  BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();

CREATE TRIGGER "audit_events_no_truncate"
  BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
