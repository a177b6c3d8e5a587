import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServiceWork } from "@taruvi/jobs";
import { createLogger } from "@taruvi/logging";
import { createSite, defaultMigrationsDirs, loadMigrations, type ProvisionedSite } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runTaruvi } from "./run-cli";

let db: TestDatabase;
let root: string;
let sites: ProvisionedSite[];

/** A release root whose registry lists the core and one product service, `widgets`. */
const makeRoot = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "taruvi-cli-services-"));
  mkdirSync(join(dir, "services", "widgets", "prisma", "migrations", "20990101000000_widgets"), {
    recursive: true,
  });
  writeFileSync(
    join(dir, "services", "widgets", "prisma", "migrations", "20990101000000_widgets", "migration.sql"),
    `CREATE TABLE "widgets" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL);
CREATE TABLE "widget_tags" ("widget_id" uuid NOT NULL REFERENCES "widgets" ("id"), "tag" text NOT NULL);`,
  );
  writeFileSync(
    join(dir, "services", "registry.json"),
    `${JSON.stringify(
      {
        $comment: "test registry",
        services: [
          { name: "identity", dir: "apps/identity", port: 4001 },
          { name: "organizations", dir: "apps/organizations", port: 4002 },
          { name: "sites", dir: "apps/sites", port: 4003 },
          { name: "audit", dir: "apps/audit", port: 4004 },
          { name: "widgets", dir: "services/widgets", port: 4101 },
        ],
      },
      null,
      2,
    )}\n`,
  );
  return dir;
};

const taruvi = (args: string[]): Promise<CliResult> =>
  runTaruvi(args, {
    DATABASE_URL: db.url,
    SERVICES_ROOT: root,
    TENANT_MIGRATIONS_DIR: defaultMigrationsDirs.tenant,
  });

const tablesOf = async (schema: string) =>
  (
    await db.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    )
  ).rows.map((r) => r.table_name);

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  root = makeRoot();
  const { organization } = await createTestOrganization(db.platform);
  const core = loadMigrations(defaultMigrationsDirs.tenant);
  sites = [];
  for (const name of ["One", "Two"]) {
    sites.push(
      await createSite(
        db.pool,
        { organizationId: organization.id, slug: randomSlug("cs"), name },
        { sets: [core] },
      ),
    );
  }
});
afterAll(() => db.drop());

describe("taruvi with a product service registered", () => {
  it("status reports per service; migrate brings existing sites the service's tables", async () => {
    const behind = await taruvi(["status"]);
    expect(behind.code).toBe(1);
    expect(behind.stdout).toMatch(/ {2}core: head \S+, 2 current, 0 behind, 0 failed/);
    expect(behind.stdout).toContain("  widgets: head 20990101000000_widgets, 0 current, 2 behind, 0 failed");
    expect(behind.stdout).toMatch(new RegExp(`${sites[0]?.slug}\\s+widgets\\s+behind`));

    const migrate = await taruvi(["migrate"]);
    expect(migrate).toMatchObject({ code: 0, stderr: "" });
    expect(migrate.stdout).toContain("  widgets: head 20990101000000_widgets, 2 migrated, 0 failed");
    for (const site of sites) expect(await tablesOf(site.schemaName)).toContain("widget_tags");

    const json = JSON.parse((await taruvi(["status", "--json"])).stdout);
    expect(json).toMatchObject({ ok: true });
    expect(json.services.map((s: { service: string; current: number }) => [s.service, s.current])).toEqual([
      ["core", 2],
      ["widgets", 2],
    ]);
  });

  it("service remove refuses core names, bad names, and runs without --drop-tables, dropping nothing", async () => {
    for (const name of ["identity", "core"]) {
      const refused = await taruvi(["service", "remove", name, "--drop-tables"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("is a core service");
    }
    const bad = await taruvi(["service", "remove", "../x", "--drop-tables"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("lower-case letters and digits");

    const unconfirmed = await taruvi(["service", "remove", "widgets"]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("drops its tables (widgets, widget_tags)");
    expect(unconfirmed.stderr).toContain("--drop-tables");
    for (const site of sites) expect(await tablesOf(site.schemaName)).toContain("widgets");
    expect(readFileSync(join(root, "services", "registry.json"), "utf8")).toContain('"widgets"');
  });

  it("service remove --drop-tables drops the tables in every site and unregisters it; idempotent", async () => {
    // The service ran once: its site-events queue subscribed to two events, a scheduled job, one waiting.
    const work = await startServiceWork({
      service: "widgets",
      pool: db.pool,
      logger: createLogger({ name: "widgets", level: "silent" }),
      siteEvents: {
        events: ["created", "suspended"],
        retry: { limit: 1, delaySeconds: 1, backoff: false },
        handle: async () => undefined,
      },
      queues: [
        {
          name: "reindex",
          cron: "0 3 * * *",
          retry: { limit: 1, delaySeconds: 1, backoff: false },
          handle: async () => undefined,
        },
      ],
      pollingIntervalSeconds: 60,
    });
    await work.send("reindex", { full: true });
    await work.close();
    const jobsState = async () =>
      (
        await db.pool.query<{ what: string; name: string }>(
          `SELECT 'queue' AS what, name FROM pgboss.queue WHERE name LIKE 'widgets.%'
           UNION ALL SELECT 'subscription', event || ' -> ' || name FROM pgboss.subscription WHERE name LIKE 'widgets.%'
           UNION ALL SELECT 'schedule', name FROM pgboss.schedule WHERE name LIKE 'widgets.%'
           UNION ALL SELECT 'job', name FROM pgboss.job WHERE name LIKE 'widgets.%'
           ORDER BY 1, 2`,
        )
      ).rows;
    expect(await jobsState()).toEqual([
      { what: "job", name: "widgets.reindex" },
      { what: "queue", name: "widgets.reindex" },
      { what: "queue", name: "widgets.site-events" },
      { what: "schedule", name: "widgets.reindex" },
      { what: "subscription", name: "site.created -> widgets.site-events" },
      { what: "subscription", name: "site.suspended -> widgets.site-events" },
    ]);

    const removed = await taruvi(["service", "remove", "widgets", "--drop-tables"]);
    expect(removed).toMatchObject({ code: 0, stderr: "" });
    expect(removed.stdout).toContain(
      "service widgets: dropped widgets, widget_tags from 2 site schemas, 0 failed",
    );
    expect(removed.stdout).toContain(
      "service widgets: deleted job queues widgets.reindex, widgets.site-events",
    );
    expect(removed.stdout).toContain("removed from services/registry.json");
    // No site change is enqueued for it any more, and nothing of it waits or runs on a schedule.
    expect(await jobsState()).toEqual([]);
    for (const site of sites) {
      const tables = await tablesOf(site.schemaName);
      expect(tables).not.toContain("widgets");
      expect(tables).not.toContain("widget_tags");
      expect(tables).toContain("users");
    }
    const left = await db.pool.query(
      "SELECT 1 FROM platform.site_schema_versions WHERE service = 'widgets' UNION ALL SELECT 1 FROM platform._taruvi_site_migrations WHERE service = 'widgets'",
    );
    expect(left.rowCount).toBe(0);
    const registry = JSON.parse(readFileSync(join(root, "services", "registry.json"), "utf8"));
    expect(registry.services.map((s: { name: string }) => s.name)).toEqual([
      "identity",
      "organizations",
      "sites",
      "audit",
    ]);
    expect(registry.$comment).toBe("test registry");

    const again = await taruvi(["service", "remove", "widgets", "--drop-tables"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("service widgets: deleted no job queues");
    expect(again.stdout).toContain("service widgets: not in services/registry.json");
    expect((await taruvi(["status"])).code).toBe(0);
  });
});
