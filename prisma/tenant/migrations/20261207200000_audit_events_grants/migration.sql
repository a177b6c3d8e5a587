-- Audit events may only be read and added by any role but their owner (docs/decisions/0022): the
-- application role gets SELECT, INSERT, UPDATE, DELETE on every table through the owner's default
-- privileges, so here every role but the owner loses the rest on this table. No role is named:
-- the same SQL fits one role (nothing to revoke), two roles, and every schema.
DO $$
DECLARE
  grantee text;
BEGIN
  FOR grantee IN
    SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END
      FROM pg_class c, aclexplode(c.relacl) acl
     WHERE c.oid = 'audit_events'::regclass
       AND acl.grantee <> c.relowner
       AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON %s FROM %s', 'audit_events'::regclass, grantee);
  END LOOP;
END
$$;
