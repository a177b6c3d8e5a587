import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, type Pool } from "@taruvi/db";
import { defaultMigrationsDirs } from "@taruvi/migrator";
import {
  createTestDatabase,
  createTestRoles,
  randomSlug,
  type TestDatabase,
  type TestRoles,
} from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runTaruvi } from "./run-cli";

// A database made from nothing the way production makes it: `taruvi db roles` as an administrator,
// then `taruvi migrate` and the other commands as the owner; the apps' role may then only use data.
let db: TestDatabase;
let roles: TestRoles;
let app: Pool;
let site: { id: string; slug: string; schema: string };

const taruvi = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runTaruvi(args, {
    DATABASE_ADMIN_URL: db.url,
    MIGRATION_DATABASE_URL: roles.owner.url,
    DATABASE_URL: roles.app.url,
    ...env,
  });

/** The PostgreSQL error a statement of the application role fails with. */
const refusal = async (sql: string) => {
  const error = await app.query(sql).then(
    () => null,
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(error, sql).not.toBeNull();
  return { code: error?.code, message: error?.message };
};

beforeAll(async () => {
  db = await createTestDatabase({ empty: true, poolSize: 2 });
  roles = createTestRoles(db);
});
afterAll(async () => {
  await app?.end();
  try {
    await db.drop();
  } finally {
    await roles.drop();
  }
});

describe("taruvi db roles", () => {
  it("creates the roles, and a second run only updates them", async () => {
    const first = await taruvi(["db", "roles"]);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toContain(`role ${roles.owner.name}: created`);
    expect(first.stdout).toContain(`role ${roles.app.name}: created`);

    const again = await taruvi(["db", "roles"]);
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toContain(`role ${roles.owner.name}: updated`);
    const { rows } = await db.pool.query(
      `SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles
        WHERE rolname IN ($1, $2) ORDER BY rolname`,
      [roles.app.name, roles.owner.name],
    );
    expect(rows).toEqual([
      {
        rolname: roles.app.name,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolbypassrls: false,
      },
      {
        rolname: roles.owner.name,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolbypassrls: false,
      },
    ]);
  });

  it("refuses the administrator itself, any superuser, and a role without a password, naming the flag", async () => {
    const password = ["--app-password", "long-enough-password"];
    const admin = decodeURIComponent(new URL(db.url).username);
    const self = await taruvi(["db", "roles", "--app", admin, ...password]);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain(`${admin} is the role running this command`);
    const superuser = `${roles.app.name}_su`;
    await db.pool.query(`CREATE ROLE "${superuser}" SUPERUSER`);
    try {
      const refused = await taruvi([
        "db",
        "roles",
        "--owner",
        superuser,
        "--owner-password",
        "long-enough-password",
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${superuser} is a superuser`);
      const still = await db.pool.query("SELECT rolsuper FROM pg_roles WHERE rolname = $1", [superuser]);
      expect(still.rows).toEqual([{ rolsuper: true }]);
    } finally {
      await db.pool.query(`DROP ROLE "${superuser}"`);
    }
    const noPassword = await taruvi(["db", "roles"], { DATABASE_URL: "postgres://someone@127.0.0.1/x" });
    expect(noPassword).toMatchObject({ code: 1 });
    expect(noPassword.stderr).toContain("--app-password: give the role's password");
  });

  it("the owner migrates (platform, job queue, every service's site schema) and provisions", async () => {
    const migrated = await taruvi(["migrate"]);
    expect(migrated).toMatchObject({ code: 0, stderr: "" });
    expect(migrated.stdout).toContain("jobs: schema pgboss up to date");

    const email = `${randomSlug("root")}@example.test`;
    expect(
      (await taruvi(["superuser", "create", "--email", email, "--password", "Owner-pass-12345"])).code,
    ).toBe(0);
    const org = randomSlug("org");
    expect(
      (await taruvi(["orgs", "create", "--slug", org, "--name", "Org", "--owner-email", email])).code,
    ).toBe(0);
    const slug = randomSlug("site");
    const created = await taruvi([
      "sites",
      "create",
      ...["--org", org, "--slug", slug, "--name", "Site"],
      ...["--admin-email", `admin@${slug}.test`, "--admin-password", "Sturdy-pass-12345"],
    ]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const { rows } = await db.pool.query<{ id: string; schema_name: string; status: string }>(
      "SELECT id, schema_name, status FROM platform.sites WHERE slug = $1",
      [slug],
    );
    expect(rows[0]?.status).toBe("ACTIVE");
    site = { id: rows[0]?.id as string, slug, schema: rows[0]?.schema_name as string };

    // Everything is the owner's: the schemas, every table of the core and of the files service.
    const owners = await db.pool.query<{ owner: string; tables: number }>(
      `SELECT pg_get_userbyid(c.relowner) AS owner, count(*)::int AS tables
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('platform', 'pgboss', $1) AND c.relkind IN ('r', 'p')
        GROUP BY 1`,
      [site.schema],
    );
    expect(owners.rows).toEqual([{ owner: roles.owner.name, tables: expect.any(Number) }]);
    const files = await db.pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [
      `"${site.schema}".files`,
    ]);
    expect(files.rows[0]).toEqual({ present: true });
  });

  it("the application role reads and writes data, and only reads and adds audit events", async () => {
    app = createPool({ url: roles.app.url, max: 1, applicationName: "roles-test" });
    const s = `"${site.schema}"`;
    expect((await app.query("SELECT current_user AS role")).rows[0]).toEqual({ role: roles.app.name });
    expect((await app.query(`SELECT count(*)::int AS n FROM ${s}.users`)).rows[0]).toEqual({ n: 1 });
    await app.query(`UPDATE ${s}.users SET name = 'Renamed' WHERE email = $1`, [`admin@${site.slug}.test`]);
    const { rows } = await app.query(
      `SELECT has_table_privilege($1, 'SELECT') AS s, has_table_privilege($1, 'INSERT') AS i,
              has_table_privilege($1, 'UPDATE') AS u, has_table_privilege($1, 'DELETE') AS d,
              has_table_privilege($1, 'TRUNCATE') AS t`,
      [`${s}.audit_events`],
    );
    expect(rows[0]).toEqual({ s: true, i: true, u: false, d: false, t: false });
    // The job queue: its tables are usable, its schema is not the app's to change.
    expect((await app.query("SELECT count(*)::int >= 0 AS ok FROM pgboss.queue")).rows[0]).toEqual({
      ok: true,
    });
  });

  it("the application role cannot disable audit triggers, change or remove events, drop or create schemas", async () => {
    for (const table of [`"${site.schema}".audit_events`, "platform.audit_events"]) {
      const name = table.split(".")[1];
      expect(await refusal(`ALTER TABLE ${table} DISABLE TRIGGER audit_events_append_only`)).toEqual({
        code: "42501",
        message: `must be owner of table ${name}`,
      });
      expect(await refusal(`ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatchObject({ code: "42501" });
      for (const statement of [
        `UPDATE ${table} SET action = 'forged'`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table}`,
      ]) {
        expect(await refusal(statement)).toEqual({
          code: "42501",
          message: `permission denied for table ${name}`,
        });
      }
    }
    expect(await refusal(`DROP SCHEMA "${site.schema}" CASCADE`)).toEqual({
      code: "42501",
      message: `must be owner of schema ${site.schema}`,
    });
    expect(await refusal("DROP SCHEMA platform CASCADE")).toMatchObject({ code: "42501" });
    expect(await refusal(`CREATE SCHEMA ${randomSlug("x").replace("-", "_")}`)).toEqual({
      code: "42501",
      message: `permission denied for database ${db.name}`,
    });
    for (const schema of ["platform", `"${site.schema}"`, "pgboss", "public"]) {
      expect(await refusal(`CREATE TABLE ${schema}.intruder (id int)`)).toMatchObject({ code: "42501" });
    }
    expect(await refusal(`DROP TABLE "${site.schema}".users`)).toMatchObject({ code: "42501" });
    expect(await refusal(`ALTER TABLE "${site.schema}".users ADD COLUMN x int`)).toMatchObject({
      code: "42501",
    });
    expect(await refusal(`CREATE ROLE ${randomSlug("r").replace("-", "_")}`)).toMatchObject({
      code: "42501",
    });
  });

  it("a later migration, applied by the owner, gives the application role its data at once (default privileges)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taruvi-roles-"));
    try {
      cpSync(defaultMigrationsDirs.tenant, dir, { recursive: true });
      mkdirSync(join(dir, "29990101000000_roles_probe"));
      writeFileSync(
        join(dir, "29990101000000_roles_probe", "migration.sql"),
        'CREATE TABLE "roles_probe" ("id" SERIAL PRIMARY KEY, "note" TEXT NOT NULL);\n',
      );
      const migrated = await taruvi(["migrate"], { TENANT_MIGRATIONS_DIR: dir });
      expect(migrated).toMatchObject({ code: 0, stderr: "" });
      expect(migrated.stdout).toContain("core: head 29990101000000_roles_probe, 1 migrated, 0 failed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const probe = `"${site.schema}".roles_probe`;
    await app.query(`INSERT INTO ${probe} (note) VALUES ('written by the application role')`);
    expect((await app.query(`SELECT note FROM ${probe}`)).rows).toEqual([
      { note: "written by the application role" },
    ]);
    expect(await refusal(`DROP TABLE ${probe}`)).toEqual({
      code: "42501",
      message: "must be owner of table roles_probe",
    });
  });

  it("the owner purges a deleted site: its schema is dropped", async () => {
    await app.query(
      "UPDATE platform.sites SET status = 'DELETED', deleted_at = now() - interval '40 days' WHERE id = $1",
      [site.id],
    );
    const purged = await taruvi(["sites", "purge"]);
    expect(purged).toMatchObject({ code: 0, stderr: "" });
    expect(purged.stdout).toContain(`purged site ${site.slug}`);
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [site.schema]);
    expect(rowCount).toBe(0);
  });
});
