import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSite, loadTenantSets } from "@taruvi/migrator";
import { createTestDatabase, createTestOrganization, randomSlug, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");
const entry = join(root, "apps/worker/src/index.ts");
const tenantSets = loadTenantSets();

const startWorker = (env: Record<string, string>): { child: ChildProcess; output: () => string } => {
  const child = spawn(tsx, [entry], {
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
};

const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

describe("apps/worker scheduled jobs", () => {
  it("schedules sites.purge and invitations.expire hourly, domains.verify every 10 minutes; sites.purge honours SITE_RETENTION_DAYS", async () => {
    const { organization } = await createTestOrganization(db.platform);
    const site = () =>
      createSite(
        db.pool,
        { organizationId: organization.id, slug: randomSlug("s"), name: "S" },
        { sets: tenantSets },
      );
    const [old, recent] = [await site(), await site()];
    for (const [s, days] of [
      [old, 3],
      [recent, 1],
    ] as const) {
      await db.platform.site.update({
        where: { id: s.id },
        data: { status: "DELETED", deletedAt: new Date(Date.now() - days * 86_400_000) },
      });
    }

    const run = startWorker({
      DATABASE_URL: db.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), "taruvi-worker-")),
      SITE_RETENTION_DAYS: "2",
    });
    try {
      await waitFor(() => run.output().includes("worker running"), "the worker to start");
      const { rows } = await db.pool.query("SELECT name, cron, timezone FROM pgboss.schedule ORDER BY name");
      expect(rows).toEqual([
        { name: "domains.verify", cron: "*/10 * * * *", timezone: "UTC" },
        { name: "invitations.expire", cron: "15 * * * *", timezone: "UTC" },
        { name: "sites.purge", cron: "0 * * * *", timezone: "UTC" },
      ]);

      // What the cron does on the hour: one job in the queue.
      await db.pool.query("INSERT INTO pgboss.job (name, data) VALUES ('sites.purge', '{}')");
      await waitFor(
        async () => (await db.platform.site.findUnique({ where: { id: old.id } })) === null,
        "the purge",
      );
      const schemas = await db.pool.query("SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)", [
        [old.schemaName, recent.schemaName],
      ]);
      expect(schemas.rows).toEqual([{ nspname: recent.schemaName }]);
      await waitFor(() => run.output().includes('"job":"sites.purge"'), "the job's log line");
      expect(run.output()).toContain(old.slug);
    } finally {
      const exited = new Promise((resolve) => run.child.once("exit", resolve));
      run.child.kill("SIGTERM");
      await exited;
    }
  });
});
