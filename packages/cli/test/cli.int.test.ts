import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyPassword } from "@taruvi/auth";
import { defaultMigrationsDirs } from "@taruvi/migrator";
import { createTestDatabase, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runTaruvi } from "./run-cli";

let db: TestDatabase;

const taruvi = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runTaruvi(args, { DATABASE_URL: db.url, ...env });

const counts = async () => ({
  accounts: await db.platform.account.count(),
  organizations: await db.platform.organization.count(),
  sites: await db.platform.site.count(),
  schemas: Number(
    (await db.pool.query("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'site\\_%'")).rows[0].count,
  ),
});

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

describe("taruvi CLI", () => {
  const org = randomSlug("org");
  const site = randomSlug("site");
  const email = `${randomSlug("root")}@example.test`;

  it("migrate and status succeed on a migrated database (exit 0)", async () => {
    const migrate = await taruvi(["migrate", "--concurrency", "2"]);
    expect(migrate).toMatchObject({ code: 0 });
    expect(migrate.stdout).toContain("platform: up to date");
    const status = await taruvi(["status", "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, platform: { pending: [] } });
  });

  it("creates a superuser, an organization and a site with its first admin", async () => {
    expect(
      await taruvi(["superuser", "create", "--email", email, "--password", "a long passphrase"]),
    ).toMatchObject({
      code: 0,
    });
    const account = await db.platform.account.findUniqueOrThrow({ where: { email } });
    expect(account.isSuperuser).toBe(true);
    expect(await verifyPassword(account.passwordHash ?? "", "a long passphrase")).toBe(true);

    expect(
      await taruvi(["orgs", "create", "--slug", org, "--name", "Demo Org", "--owner-email", email]),
    ).toMatchObject({ code: 0 });
    const created = await taruvi([
      "sites",
      "create",
      "--org",
      org,
      "--slug",
      site,
      "--name",
      "Acme",
      "--admin-email",
      "Owner@Acme.test",
      "--admin-password",
      "correct horse battery",
    ]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const row = await db.platform.site.findUniqueOrThrow({ where: { slug: site } });
    expect(row.status).toBe("ACTIVE");
    const admins = await db.pool.query(`SELECT email, is_admin FROM "${row.schemaName}".users`);
    expect(admins.rows).toEqual([{ email: "owner@acme.test", is_admin: true }]);

    const list = await taruvi(["sites", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ slug: site, organization: org, status: "ACTIVE" })]),
    );
  });

  it.each([
    [["orgs", "create", "--slug", "Bad Slug!", "--name", "X", "--owner-email", "a@b.test"], "--slug:"],
    [
      ["orgs", "create", "--slug", randomSlug("o"), "--name", "X", "--owner-email", "nobody@b.test"],
      "--owner-email:",
    ],
    [["orgs", "create", "--slug", randomSlug("o"), "--name", "   ", "--owner-email", "a@b.test"], "--name:"],
    [
      [
        "sites",
        "create",
        "--org",
        "no-such-org",
        "--slug",
        randomSlug("s"),
        "--name",
        "X",
        "--admin-email",
        "a@b.test",
        "--admin-password",
        "correct horse battery",
      ],
      "--org:",
    ],
    [
      [
        "sites",
        "create",
        "--org",
        "whatever",
        "--slug",
        'a"; drop schema platform; --',
        "--name",
        "X",
        "--admin-email",
        "a@b.test",
        "--admin-password",
        "correct horse battery",
      ],
      "--slug:",
    ],
    [
      [
        "sites",
        "create",
        "--org",
        "whatever",
        "--slug",
        randomSlug("s"),
        "--name",
        "X",
        "--admin-email",
        "not-an-email",
        "--admin-password",
        "correct horse battery",
      ],
      "--admin-email:",
    ],
    [
      [
        "sites",
        "create",
        "--org",
        "whatever",
        "--slug",
        randomSlug("s"),
        "--name",
        "X",
        "--admin-email",
        "a@b.test",
        "--admin-password",
        "short",
      ],
      "--admin-password: must be at least 10 characters long",
    ],
    [["superuser", "create", "--email", "x@", "--password", "a long passphrase"], "--email:"],
    [["migrate", "--concurrency", "0"], "--concurrency"],
    [["sites", "create", "--slug", "x"], "required option"],
  ])("%j exits 1 naming the field (%s) and writes nothing", async (args, message) => {
    const before = await counts();
    const result = await taruvi(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(await counts()).toEqual(before);
  });

  it("refuses duplicates with a CONFLICT message (exit 1)", async () => {
    const again = await taruvi(["superuser", "create", "--email", email, "--password", "a long passphrase"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--email: an account with the email");
    const dup = await taruvi(["orgs", "create", "--slug", org, "--name", "Again", "--owner-email", email]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(`--slug: an organization with slug "${org}" already exists`);
  });

  it("status exits 1 while a site schema is behind, and 0 once migrate caught up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "taruvi-cli-mig-"));
    cpSync(defaultMigrationsDirs.tenant, dir, { recursive: true });
    mkdirSync(join(dir, "20990101000000_add_nickname"));
    writeFileSync(
      join(dir, "20990101000000_add_nickname", "migration.sql"),
      'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;',
    );
    const env = { TENANT_MIGRATIONS_DIR: dir };

    const behind = await taruvi(["status"], env);
    expect(behind.code).toBe(1);
    expect(behind.stdout).toMatch(/1 behind/);
    expect(behind.stdout).toContain(site);

    const migrate = await taruvi(["migrate"], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/1 migrated, 0 provisioned, 0 failed/);
    expect((await taruvi(["status"], env)).code).toBe(0);
  });

  it("commands other than migrate and status refuse an unmigrated database", async () => {
    const empty = await createTestDatabase({ poolSize: 1 });
    try {
      await empty.pool.query("DROP SCHEMA platform CASCADE");
      const result = await taruvi(["sites", "list"], { DATABASE_URL: empty.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("run `taruvi migrate` first");
      expect((await taruvi(["status"], { DATABASE_URL: empty.url })).code).toBe(1);
    } finally {
      await empty.drop();
    }
  });
});
