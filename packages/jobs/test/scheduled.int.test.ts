import { createLogger } from "@taruvi/logging";
import { createTestDatabase, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScheduledJobs, type ScheduledJobs } from "../src/index";

const logger = createLogger({ name: "jobs-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });

let db: TestDatabase;
let jobs: ScheduledJobs;
const runs: string[] = [];

const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
const stateOf = async (id: string) =>
  (await db.pool.query<{ state: string }>("SELECT state FROM pgboss.job WHERE id = $1", [id])).rows[0]?.state;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  jobs = await createScheduledJobs({
    databaseUrl: db.url,
    logger,
    pollingIntervalSeconds: 0.5,
    jobs: [
      {
        name: "test.hourly",
        cron: "0 * * * *",
        run: async () => {
          runs.push("hourly");
          return { ok: true };
        },
      },
      {
        name: "test.broken",
        cron: "30 2 * * *",
        run: async () => {
          throw new Error("boom");
        },
      },
    ],
  });
});
afterAll(async () => {
  await jobs?.close();
  await db?.drop();
});

describe("scheduled jobs", () => {
  it("registers each cron schedule in pg-boss (UTC), once however often it starts", async () => {
    const again = await createScheduledJobs({
      databaseUrl: db.url,
      logger,
      jobs: [{ name: "test.hourly", cron: "0 * * * *", run: async () => undefined }],
    });
    await again.close();
    const { rows } = await db.pool.query(
      "SELECT name, cron, timezone FROM pgboss.schedule WHERE name LIKE 'test.%' ORDER BY name",
    );
    expect(rows).toEqual([
      { name: "test.broken", cron: "30 2 * * *", timezone: "UTC" },
      { name: "test.hourly", cron: "0 * * * *", timezone: "UTC" },
    ]);
  });

  it("runs a job when it is due (runNow enqueues one run)", async () => {
    const id = await jobs.runNow("test.hourly");
    await waitFor(async () => (await stateOf(id)) === "completed");
    expect(runs).toContain("hourly");
  });

  it("marks a job that throws as failed, without retries", async () => {
    const id = await jobs.runNow("test.broken");
    await waitFor(async () => (await stateOf(id)) === "failed");
    await expect(jobs.runNow("test.unknown")).rejects.toThrow("no scheduled job named test.unknown");
  });
});
