import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSite,
  defaultMigrationsDirs,
  loadMigrations,
  loadTenantSets,
  MigrationRefusedError,
  type MigrationSet,
  migratePlatform,
  migrateSites,
  migrationStatus,
  type ProvisionedSite,
  removeServiceTables,
  TenantSetError,
} from "../src/index";

const core = loadMigrations(defaultMigrationsDirs.tenant);
const platformSet = loadMigrations(defaultMigrationsDirs.platform);

// Product services' migrations, as `services/<name>/prisma/migrations` would hold them.
const W1 = {
  "20990101000000_widgets": `CREATE TABLE "widgets" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "title" text NOT NULL);
CREATE TABLE IF NOT EXISTS widget_tags ("widget_id" uuid NOT NULL REFERENCES "widgets" ("id"), "tag" text NOT NULL);`,
};
const W2 = {
  "20990102000000_no_poison": `ALTER TABLE "widgets" ADD CONSTRAINT "widgets_no_poison" CHECK ("title" <> 'poison');`,
};
const N1 = { "20990101000000_notes": 'CREATE TABLE "notes" ("id" uuid PRIMARY KEY, "body" text NOT NULL);' };
const N2 = { "20990105000000_notes_pinned": 'ALTER TABLE "notes" ADD COLUMN "pinned" boolean;' };
const T1 = { "20990101000000_tags": 'CREATE TABLE "tags" ("id" uuid PRIMARY KEY, "name" text NOT NULL);' };

/** A service's migration folder in a temp dir, loaded as its set. */
const serviceSet = (service: string, migrations: Record<string, string>): MigrationSet => {
  const dir = mkdtempSync(join(tmpdir(), `taruvi-svc-${service}-`));
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
  }
  return loadMigrations(dir, service);
};

let db: TestDatabase;
let organizationId: string;

const newSite = (sets: MigrationSet[], name = "Site") =>
  createSite(db.pool, { organizationId, slug: randomSlug("svc"), name }, { sets });

const tablesOf = async (schema: string) =>
  (
    await db.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
      [schema],
    )
  ).rows.map((r) => r.table_name);

const ledgerOf = async (schema: string, service: string) =>
  (
    await db.pool.query<{ name: string }>(
      `SELECT name FROM "${schema}"._taruvi_migrations WHERE service = $1 ORDER BY name`,
      [service],
    )
  ).rows.map((r) => r.name);

const versionsOf = async (siteId: string) =>
  Object.fromEntries(
    (
      await db.pool.query<{ service: string; version: string | null; error: string | null }>(
        "SELECT service, version, error FROM platform.site_schema_versions WHERE site_id = $1",
        [siteId],
      )
    ).rows.map((r) => [r.service, { version: r.version, error: r.error }]),
  );

beforeAll(async () => {
  db = await createTestDatabase();
  organizationId = (await createTestOrganization(db.platform)).organization.id;
});
afterAll(() => db.drop());

describe("loadTenantSets", () => {
  const dirOf = (set: MigrationSet) => ({ service: set.service, dir: set.dir });

  it("loads the core first, then each service's set under its name", () => {
    const widgets = serviceSet("widgets", W1);
    const sets = loadTenantSets([dirOf(core), dirOf(widgets)]);
    expect(sets.map((s) => [s.service, s.head])).toEqual([
      ["core", core.head],
      ["widgets", "20990101000000_widgets"],
    ]);
    // Registry dirs are relative to the root.
    expect(loadTenantSets()[0]).toMatchObject({ service: "core", head: core.head });
  });

  it("refuses two services that create the same table, naming both and the table", () => {
    const widgets = serviceSet("widgets", W1);
    const clash = serviceSet("gadgets", {
      "20990101000000_gadgets":
        'CREATE TABLE IF NOT EXISTS "Widgets" (id int);\nCREATE TABLE public_widgets (id int);',
    });
    expect(() => loadTenantSets([dirOf(core), dirOf(widgets), dirOf(clash)])).not.toThrow();
    const same = serviceSet("gadgets", {
      "20990101000000_gadgets": "-- widgets\ncreate table if not exists WIDGETS (id int);",
    });
    expect(() => loadTenantSets([dirOf(core), dirOf(widgets), dirOf(same)])).toThrow(
      'services "widgets" and "gadgets" both create table "widgets"',
    );
    const coreTable = serviceSet("people", { "20990101000000_people": 'CREATE TABLE "users" (id int);' });
    expect(() => loadTenantSets([dirOf(core), dirOf(coreTable)])).toThrow(
      /services "core" and "people" both create table "users"/,
    );
  });

  it("refuses SQL reaching outside the site schema, naming the file", () => {
    const cases = {
      "REFERENCES platform.sites": `CREATE TABLE "a" ("site_id" uuid REFERENCES platform.sites ("id"));`,
      "a quoted platform reference": `CREATE TABLE "a" ("x" uuid REFERENCES "platform"."accounts" ("id"));`,
      "a schema-qualified table": `CREATE TABLE other_schema.things (id int);`,
      "SET search_path": `SET search_path TO platform;\nCREATE TABLE "a" (id int);`,
      "a read of another site": `INSERT INTO "a" SELECT * FROM site_0123456789abcdef0123456789abcdef.users;`,
    };
    for (const [label, sql] of Object.entries(cases)) {
      const set = serviceSet("leaky", { "20990101000000_leak": sql });
      expect(() => loadTenantSets([dirOf(core), dirOf(set)]), label).toThrow(TenantSetError);
      expect(() => loadTenantSets([dirOf(core), dirOf(set)]), label).toThrow(
        /service "leaky": .*20990101000000_leak\/migration\.sql .*self-contained/,
      );
    }
    // Words in comments and string literals are not SQL.
    const fine = serviceSet("fine", {
      "20990101000000_ok": `-- not REFERENCES platform.sites\nCREATE TABLE "ok" ("note" text DEFAULT 'see platform.sites');`,
    });
    expect(() => loadTenantSets([dirOf(core), dirOf(fine)])).not.toThrow();
  });
});

describe("per-service site migrations", () => {
  const widgets = serviceSet("widgets", W1);
  const notes = serviceSet("notes", N1);
  let full: ProvisionedSite;
  let existing: ProvisionedSite;

  it("provisioning applies every set in one transaction, with ledger and version rows per service", async () => {
    full = await newSite([core, widgets, notes], "Full");
    expect(full).toMatchObject({ status: "ACTIVE", schemaVersion: core.head });
    expect(await tablesOf(full.schemaName)).toEqual(
      expect.arrayContaining(["users", "widgets", "widget_tags", "notes"]),
    );
    expect(await ledgerOf(full.schemaName, "core")).toEqual(core.migrations.map((m) => m.name));
    expect(await ledgerOf(full.schemaName, "widgets")).toEqual(["20990101000000_widgets"]);
    expect(await ledgerOf(full.schemaName, "notes")).toEqual(["20990101000000_notes"]);
    expect(await versionsOf(full.id)).toEqual({
      core: { version: core.head, error: null },
      widgets: { version: "20990101000000_widgets", error: null },
      notes: { version: "20990101000000_notes", error: null },
    });
  });

  it("a failing service set leaves no schema and no site", async () => {
    const broken = serviceSet("broken", { "20990101000000_broken": 'CREATE TABLE "b" ("x" nosuchtype);' });
    const slug = randomSlug("svc");
    await expect(
      createSite(db.pool, { organizationId, slug, name: "Broken" }, { sets: [core, widgets, broken] }),
    ).rejects.toThrow(/service broken: .*nosuchtype/);
    expect(await db.platform.site.findUnique({ where: { slug } })).toBeNull();
    const leftovers = await db.pool.query(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%' AND nspname NOT IN (SELECT schema_name FROM platform.sites)",
    );
    expect(leftovers.rows).toEqual([]);
  });

  it("an existing site gets a newly added service's tables from migrateSites; current ones are skipped", async () => {
    existing = await newSite([core], "Existing");
    expect(await tablesOf(existing.schemaName)).not.toContain("widgets");
    const report = await migrateSites(db.pool, { sets: [core, widgets] });
    expect(report).toMatchObject({
      head: core.head,
      heads: { core: core.head, widgets: "20990101000000_widgets" },
      failed: [],
      upToDate: 1,
    });
    expect(report.migrated).toEqual([
      { siteId: existing.id, slug: existing.slug, service: "widgets", applied: ["20990101000000_widgets"] },
    ]);
    expect(await tablesOf(existing.schemaName)).toEqual(expect.arrayContaining(["widgets", "widget_tags"]));
    expect(await ledgerOf(existing.schemaName, "widgets")).toEqual(["20990101000000_widgets"]);
    expect((await versionsOf(existing.id)).widgets).toEqual({
      version: "20990101000000_widgets",
      error: null,
    });
    expect(await migrateSites(db.pool, { sets: [core, widgets] })).toMatchObject({
      upToDate: 2,
      migrated: [],
    });
  });

  it("one site's failing service migration leaves the other sites and services migrated; recorded; a re-run resumes", async () => {
    await db.pool.query(`INSERT INTO "${existing.schemaName}".widgets (title) VALUES ('poison')`);
    const widgets2 = serviceSet("widgets", { ...W1, ...W2 });
    const sets = [core, widgets2, notes];

    const report = await migrateSites(db.pool, { sets, concurrency: 2 });
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({
      siteId: existing.id,
      slug: existing.slug,
      schema: existing.schemaName,
      service: "widgets",
    });
    expect(report.failed[0]?.error).toMatch(/widgets_no_poison/);
    expect(
      report.migrated.map((m) => [m.slug, m.service, m.applied]).sort((a, b) => `${a}`.localeCompare(`${b}`)),
    ).toEqual(
      [
        [full.slug, "widgets", ["20990102000000_no_poison"]],
        [existing.slug, "notes", ["20990101000000_notes"]],
      ].sort((a, b) => `${a}`.localeCompare(`${b}`)),
    );
    // The failed (site, service) is as it was; its other service went on.
    expect(await ledgerOf(existing.schemaName, "widgets")).toEqual(["20990101000000_widgets"]);
    expect(await tablesOf(existing.schemaName)).toContain("notes");
    const versions = await versionsOf(existing.id);
    expect(versions.widgets?.version).toBe("20990101000000_widgets");
    expect(versions.widgets?.error).toMatch(/widgets_no_poison/);
    expect(versions.notes).toEqual({ version: "20990101000000_notes", error: null });
    expect(versions.core).toEqual({ version: core.head, error: null });

    const status = await migrationStatus(db.pool, { platform: platformSet, tenant: sets });
    expect(status.ok).toBe(false);
    expect(status.services).toEqual([
      { service: "core", head: core.head, current: 2, behind: 0, failed: 0 },
      { service: "widgets", head: "20990102000000_no_poison", current: 1, behind: 0, failed: 1 },
      { service: "notes", head: "20990101000000_notes", current: 2, behind: 0, failed: 0 },
    ]);
    expect(status.sites).toMatchObject({ total: 2, current: 1, failed: 1 });
    expect(status.siteDetails).toEqual([
      expect.objectContaining({ slug: existing.slug, service: "widgets", state: "failed" }),
    ]);

    await db.pool.query(`DELETE FROM "${existing.schemaName}".widgets WHERE title = 'poison'`);
    const resumed = await migrateSites(db.pool, { sets });
    expect(resumed).toMatchObject({ upToDate: 1, failed: [] });
    expect(resumed.migrated).toEqual([
      { siteId: existing.id, slug: existing.slug, service: "widgets", applied: ["20990102000000_no_poison"] },
    ]);
    expect((await versionsOf(existing.id)).widgets).toEqual({
      version: "20990102000000_no_poison",
      error: null,
    });
    expect((await migrationStatus(db.pool, { platform: platformSet, tenant: sets })).ok).toBe(true);
  });

  it("refuses an edited or reordered file of a product service before touching any site", async () => {
    const edited = serviceSet("widgets", {
      ...W1,
      "20990102000000_no_poison": `ALTER TABLE "widgets" ADD CONSTRAINT "widgets_no_poison" CHECK ("title" <> 'venom');`,
    });
    const notes2 = serviceSet("notes", { ...N1, ...N2 });
    const run = migrateSites(db.pool, { sets: [core, edited, notes2] });
    await expect(run).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(run).rejects.toThrow(
      /20990102000000_no_poison changed after it was applied to site schemas \(service widgets\)/,
    );
    const status = await migrationStatus(db.pool, { platform: platformSet, tenant: [core, edited, notes2] });
    expect(status.sites.refused).toMatch(/service widgets/);

    const reordered = serviceSet("widgets", { ...W1, ...W2, "20990101120000_late": "SELECT 1;" });
    await expect(migrateSites(db.pool, { sets: [core, reordered, notes2] })).rejects.toThrow(
      /20990101120000_late sorts before 20990102000000_no_poison, already applied to site schemas \(service widgets\)/,
    );
    const removed = serviceSet("widgets", W1);
    await expect(migrateSites(db.pool, { sets: [core, removed, notes2] })).rejects.toThrow(
      /20990102000000_no_poison was applied to site schemas \(service widgets\) but is missing/,
    );
    // Nothing ran: no site has notes.pinned.
    for (const site of [full, existing]) {
      const { rows } = await db.pool.query(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'notes' AND column_name = 'pinned'",
        [site.schemaName],
      );
      expect(rows).toEqual([]);
    }
  });

  it("upgrades a ledger and the catalog of the single-service format in place", async () => {
    const old = await newSite([core], "Old");
    // The format before per-service ledgers: keyed by name, no service column.
    await db.pool.query(
      `ALTER TABLE "${old.schemaName}"._taruvi_migrations DROP CONSTRAINT "_taruvi_migrations_pkey",
         DROP COLUMN service, ADD PRIMARY KEY (name)`,
    );
    await db.pool.query(`DELETE FROM platform._taruvi_site_migrations WHERE service <> 'core'`);
    await db.pool.query(
      `ALTER TABLE platform._taruvi_site_migrations DROP CONSTRAINT "_taruvi_site_migrations_pkey",
         DROP COLUMN service, ADD PRIMARY KEY (name)`,
    );
    await migratePlatform(db.pool, platformSet);
    await migratePlatform(db.pool, platformSet);

    const sets = [core, serviceSet("widgets", { ...W1, ...W2 }), notes];
    const report = await migrateSites(db.pool, { sets });
    expect(report.failed).toEqual([]);
    expect(report.migrated.filter((m) => m.siteId === old.id).map((m) => m.service)).toEqual([
      "widgets",
      "notes",
    ]);
    expect(await ledgerOf(old.schemaName, "core")).toEqual(core.migrations.map((m) => m.name));
    expect(await ledgerOf(old.schemaName, "widgets")).toEqual([
      "20990101000000_widgets",
      "20990102000000_no_poison",
    ]);
    const key = async (table: string, schema: string) =>
      (
        await db.pool.query<{ def: string }>(
          `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
           WHERE conrelid = format('%I.%I', $1::text, $2::text)::regclass AND contype = 'p'`,
          [schema, table],
        )
      ).rows[0]?.def;
    expect(await key("_taruvi_migrations", old.schemaName)).toBe("PRIMARY KEY (service, name)");
    expect(await key("_taruvi_site_migrations", "platform")).toBe("PRIMARY KEY (service, name)");
    // The catalog is rebuilt per service, so an edit is refused again.
    const edited = serviceSet("widgets", { ...W1, "20990102000000_no_poison": "SELECT 2;" });
    await expect(migrateSites(db.pool, { sets: [core, edited, notes] })).rejects.toThrow(/service widgets/);
  });

  it("two migrators at once apply each (site, service) exactly once", async () => {
    const tags = serviceSet("tags", T1);
    const sets = [core, serviceSet("widgets", { ...W1, ...W2 }), notes, tags];
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM platform.sites");
    const [first, second] = await Promise.all([
      migrateSites(db.pool, { sets, concurrency: 3 }),
      migrateSites(db.pool, { sets, concurrency: 3 }),
    ]);
    expect([...first.failed, ...second.failed]).toEqual([]);
    const applied = [...first.migrated, ...second.migrated];
    expect(applied.every((m) => m.service === "tags")).toBe(true);
    expect(applied.map((m) => m.siteId).sort()).toEqual([...new Set(applied.map((m) => m.siteId))].sort());
    expect(applied).toHaveLength(rows[0]?.n ?? -1);
    for (const site of [full, existing])
      expect(await ledgerOf(site.schemaName, "tags")).toEqual(["20990101000000_tags"]);
  });

  it("removeServiceTables drops the service's tables and rows in every site; idempotent; never the core", async () => {
    const tags = serviceSet("tags", T1);
    await expect(removeServiceTables(db.pool, core)).rejects.toThrow(/core/);
    const sites = (
      await db.pool.query<{ id: string; schema_name: string }>("SELECT id, schema_name FROM platform.sites")
    ).rows;
    const removed = await removeServiceTables(db.pool, tags);
    expect(removed).toMatchObject({ service: "tags", tables: ["tags"], sites: sites.length, failed: [] });
    for (const site of sites) {
      expect(await tablesOf(site.schema_name)).not.toContain("tags");
      expect(await tablesOf(site.schema_name)).toContain("widgets");
      expect(await ledgerOf(site.schema_name, "tags")).toEqual([]);
      expect((await versionsOf(site.id)).tags).toBeUndefined();
    }
    const catalog = await db.pool.query(
      "SELECT 1 FROM platform._taruvi_site_migrations WHERE service = 'tags'",
    );
    expect(catalog.rowCount).toBe(0);
    expect(await removeServiceTables(db.pool, tags)).toMatchObject({ sites: sites.length, failed: [] });
    // Without it registered, the others stay current.
    const sets = [core, serviceSet("widgets", { ...W1, ...W2 }), notes];
    expect(await migrateSites(db.pool, { sets })).toMatchObject({ migrated: [], failed: [] });
  });
});
