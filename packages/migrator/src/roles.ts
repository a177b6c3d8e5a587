import { inTransaction } from "@taruvi/db";
import { badUserInput } from "@taruvi/errors";
import type { Pool, PoolClient } from "pg";

/** A login role: its name and password. */
export type DatabaseRole = { name: string; password: string };

export type DatabaseRolesOptions = {
  /** Owns every schema; migrations, provisioning and purge connect as it (MIGRATION_DATABASE_URL). */
  owner: DatabaseRole;
  /** Data rights only; every other connection uses it (DATABASE_URL). */
  app: DatabaseRole;
};

export type DatabaseRolesReport = {
  database: string;
  /** Roles this run created (the others existed and were updated). */
  created: string[];
  /** Schemas that existed: now owned by the owner role, usable by the application role. */
  schemas: string[];
};

/** The append-only tables: the application role may only read and add rows. */
export const APPEND_ONLY_TABLE = "audit_events";

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const parseRole = (role: DatabaseRole, field: "owner" | "app"): DatabaseRole => {
  if (!ROLE_NAME.test(role.name)) {
    throw badUserInput(field, `a role name is 1 to 63 lower-case letters, digits and underscores`);
  }
  if (role.password.length < 12) {
    throw badUserInput(`${field}Password`, `must be at least 12 characters long`);
  }
  return role;
};

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The rights of a data-only role: no superuser, no roles, no databases, no replication. */
const LIMITED = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT";

const ensureRole = async (client: PoolClient, role: DatabaseRole): Promise<boolean> => {
  const { rows } = await client.query<{ rolsuper: boolean; self: boolean }>(
    "SELECT rolsuper, rolname = current_user AS self FROM pg_roles WHERE rolname = $1",
    [role.name],
  );
  const existing = rows[0];
  if (existing?.self) {
    throw badUserInput(
      "role",
      `${role.name} is the role running this command: choose roles of their own for Taruvi`,
    );
  }
  if (existing?.rolsuper) {
    // Never strip the rights of an administrator (perhaps the very role running this).
    throw badUserInput("role", `${role.name} is a superuser: choose roles of their own for Taruvi`);
  }
  const verb = existing ? "ALTER" : "CREATE";
  await client.query(
    `${verb} ROLE ${ident(role.name)} WITH ${LIMITED} PASSWORD ${client.escapeLiteral(role.password)}`,
  );
  return !existing;
};

/** Every schema of this database but PostgreSQL's own and `public`: platform, pgboss, the sites'. */
const taruviSchemas = async (client: PoolClient): Promise<string[]> => {
  const { rows } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
      ORDER BY nspname`,
  );
  return rows.map((row) => row.nspname);
};

/**
 * Hands a schema and everything in it to `owner` (a database migrated before the roles existed,
 * by an administrator): tables, partitions, views, free-standing sequences, routines, enums and
 * domains. Indexes and a column's sequence follow their table.
 */
const transferSchema = async (client: PoolClient, schema: string, owner: string) => {
  const { rows } = await client.query<{ statement: string }>(
    `SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $2::text) AS statement
       FROM pg_namespace n WHERE n.nspname = $1 AND n.nspowner <> $2::regrole
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I',
                   CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                   c.oid::regclass, $2::text)
       FROM pg_class c
      WHERE c.relnamespace = $1::regnamespace AND c.relowner <> $2::regrole
        AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
        AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d
           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
       FROM pg_proc p
      WHERE p.pronamespace = $1::regnamespace AND p.proowner <> $2::regrole AND p.prokind IN ('f', 'p')
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                   t.oid::regtype, $2::text)
       FROM pg_type t
      WHERE t.typnamespace = $1::regnamespace AND t.typowner <> $2::regrole AND t.typtype IN ('e', 'd')`,
    [schema, owner],
  );
  for (const { statement } of rows) await client.query(statement);
};

/**
 * Takes every right but SELECT and INSERT on `table` from every role but its owner (the same rule
 * as the platform and site migration 20261207200000_audit_events_grants).
 */
const restrictAppendOnly = async (client: PoolClient, table: string) => {
  const { rows } = await client.query<{ grantee: string }>(
    `SELECT DISTINCT CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END AS grantee
       FROM pg_class c, aclexplode(c.relacl) acl
      WHERE c.oid = to_regclass($1) AND acl.grantee <> c.relowner
        AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')`,
    [table],
  );
  for (const { grantee } of rows) {
    await client.query(`REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${table} FROM ${grantee}`);
  }
};

/**
 * Creates or updates Taruvi's two roles on the database `admin` is connected to (as a superuser,
 * or an administrator that is a member of both): docs/decisions/0022-database-roles.md.
 *
 * - owner: may connect and create schemas in this database; owns every Taruvi schema (existing
 *   ones are handed over) and so everything migrations and provisioning create.
 * - app: may connect; USAGE on every schema, SELECT/INSERT/UPDATE/DELETE on every table and the
 *   sequences, only SELECT/INSERT on audit_events; no DDL: it owns nothing, cannot create schemas
 *   (no CREATE on the database), alter or disable triggers, truncate or drop.
 * - The owner's default privileges give the app role the same on every schema, table and
 *   sequence the owner creates later (new sites, later migrations, pg-boss queue partitions);
 *   the audit migration takes UPDATE/DELETE back on each new audit_events.
 *
 * One transaction, idempotent: a second run changes only the passwords.
 */
export const applyDatabaseRoles = async (
  admin: Pool,
  options: DatabaseRolesOptions,
): Promise<DatabaseRolesReport> => {
  const owner = parseRole(options.owner, "owner");
  const app = parseRole(options.app, "app");
  if (owner.name === app.name) throw badUserInput("app", "must differ from the owner role");
  return inTransaction(admin, async (client) => {
    const created: string[] = [];
    for (const role of [owner, app]) if (await ensureRole(client, role)) created.push(role.name);
    const { rows } = await client.query<{ database: string }>("SELECT current_database() AS database");
    const database = (rows[0] as { database: string }).database;
    const [o, a, db] = [ident(owner.name), ident(app.name), ident(database)];
    // The app role inherits nothing of the owner's.
    await client.query(
      `DO $$ BEGIN
         IF pg_has_role(${client.escapeLiteral(app.name)}, ${client.escapeLiteral(owner.name)}, 'MEMBER') THEN
           REVOKE ${o} FROM ${a};
         END IF;
       END $$`,
    );
    await client.query(`GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${db} TO ${o}`);
    await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${a}`);
    await client.query(`REVOKE CREATE ON DATABASE ${db} FROM ${a}`);
    // Before PostgreSQL 15 every role could create tables in `public`.
    await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC, ${a}`);
    await client.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} GRANT USAGE ON SCHEMAS TO ${a}`);
    await client.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${o} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a}`,
    );
    await client.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} GRANT USAGE, SELECT ON SEQUENCES TO ${a}`);
    const schemas = await taruviSchemas(client);
    for (const schema of schemas) {
      const s = ident(schema);
      await transferSchema(client, schema, owner.name);
      await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${a}`);
      await client.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${a}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${a}`);
      await client.query(`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${s} FROM ${a}`);
      await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${a}`);
      await restrictAppendOnly(client, `${s}.${ident(APPEND_ONLY_TABLE)}`);
    }
    return { database, created, schemas };
  });
};
