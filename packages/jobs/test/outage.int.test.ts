/**
 * A job that finishes while the database is away: pg-boss 10 recorded the outcome without
 * awaiting it, so the failed write became an unhandled rejection, which ends a Node process
 * (patches/pg-boss+10.4.2.patch). With the patch the failure reaches the queue's `error` event and
 * the worker process lives on.
 */

import { createPool } from "@taruvi/db";
import { installJobQueue } from "@taruvi/migrator";
import { type OwnPostgres, startOwnPostgres } from "@taruvi/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBoss } from "../src/boss";

let server: OwnPostgres;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  server = await startOwnPostgres();
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await server?.close();
});

it("a job completing while PostgreSQL is down is reported as a queue error, not an unhandled rejection", async () => {
  const pool = createPool({
    url: server.url,
    max: 2,
    connectTimeoutMillis: 1_000,
    applicationName: "outage-test",
  });
  await installJobQueue(pool);
  const boss = await startBoss({ pool, applicationName: "outage-test" });
  const errors: unknown[] = [];
  boss.on("error", (error) => errors.push(error));
  await boss.createQueue("outage");
  let ran = false;
  await boss.work("outage", { pollingIntervalSeconds: 0.5 }, async () => {
    ran = true;
    // The database goes away while the job runs: recording its completion fails.
    await server.stop("crash");
  });
  await boss.send("outage", {});
  const deadline = Date.now() + 20_000;
  while (errors.length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(ran).toBe(true);
  expect(errors.length).toBeGreaterThan(0);
  expect(unhandled).toEqual([]);
  await boss.stop({ graceful: false, close: false, wait: false }).catch(() => undefined);
  await pool.end().catch(() => undefined);
});
