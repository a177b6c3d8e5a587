import { createSite, loadTenantSets } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runTaruvi } from "./run-cli";

const tenantSets = loadTenantSets();
let db: TestDatabase;
let organizationId: string;

const taruvi = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runTaruvi(args, { DATABASE_URL: db.url, ...env });

const schemaExists = async (schema: string) =>
  (await db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1;

/** A site deleted `days` days ago. */
const deletedSite = async (days: number) => {
  const site = await createSite(
    db.pool,
    { organizationId, slug: randomSlug("s"), name: "Gone" },
    { sets: tenantSets },
  );
  await db.platform.site.update({
    where: { id: site.id },
    data: { status: "DELETED", deletedAt: new Date(Date.now() - days * 86_400_000) },
  });
  return site;
};

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  organizationId = (await createTestOrganization(db.platform)).organization.id;
});
afterAll(() => db.drop());

describe("taruvi sites purge", () => {
  it("--dry-run lists what would go and changes nothing; then purge drops only what is past retention", async () => {
    const old = await deletedSite(40);
    const recent = await deletedSite(5);

    const dry = await taruvi(["sites", "purge", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would purge site ${old.slug}`);
    expect(dry.stdout).not.toContain(recent.slug);
    expect(await schemaExists(old.schemaName)).toBe(true);

    const purge = await taruvi(["sites", "purge"]);
    expect(purge).toMatchObject({ code: 0, stderr: "" });
    expect(purge.stdout).toContain(`purged site ${old.slug} (${old.id}): schema ${old.schemaName}`);
    expect(await schemaExists(old.schemaName)).toBe(false);
    expect(await db.platform.site.findUnique({ where: { id: old.id } })).toBeNull();
    expect(await schemaExists(recent.schemaName)).toBe(true);

    // SITE_RETENTION_DAYS is the default; --retention-days overrides it.
    expect((await taruvi(["sites", "purge", "--dry-run"], { SITE_RETENTION_DAYS: "3" })).stdout).toContain(
      recent.slug,
    );
    const again = await taruvi(["sites", "purge", "--retention-days", "10"]);
    expect(again.stdout).toContain("no site was deleted more than 10 days ago");
    expect((await taruvi(["sites", "purge", "--retention-days", "0"])).stdout).toContain(
      `purged site ${recent.slug}`,
    );
    expect(await schemaExists(recent.schemaName)).toBe(false);
  });

  it.each([["-1"], ["abc"], ["1.5"], ["4000"]])(
    "--retention-days %s exits 1 naming the flag",
    async (value) => {
      const result = await taruvi(["sites", "purge", "--retention-days", value]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("--retention-days");
    },
  );
});
