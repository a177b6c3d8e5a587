import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inTransaction, prismaSqlExecutor } from "@taruvi/db";
import { createLogger } from "@taruvi/logging";
import { createTestDatabase, randomSlug, readEmails, type TestDatabase, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailWorker, createJobQueue, type EmailWorker, type JobQueue } from "../src/index";

const logger = createLogger({ name: "jobs-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
const fast = { pollingIntervalSeconds: 0.5, retry: { limit: 2, delaySeconds: 1, backoff: false } };

let db: TestDatabase;
let queue: JobQueue;
let worker: EmailWorker;
const mailDir = mkdtempSync(join(tmpdir(), "taruvi-mail-"));

const address = () => `${randomSlug("to")}@example.test`;
const email = (to: string) => ({ to, subject: "Hello", text: `A line for ${to}\nhttps://x.test/?a=1&b=2` });

/** Rows of the email queue for one recipient, as pg-boss keeps them. */
const jobsTo = async (to: string) =>
  (
    await db.pool.query<{ id: string; state: string; retry_count: number; output: unknown; data: unknown }>(
      "SELECT id, state, retry_count, output, data FROM pgboss.job WHERE name = 'email.send' AND data->>'to' = $1",
      [to],
    )
  ).rows;

/** Waits for the job to `to` to reach `state`. */
const jobIn = async (to: string, state: string) => {
  const deadline = Date.now() + 30_000;
  while ((await jobsTo(to))[0]?.state !== state && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return (await jobsTo(to))[0];
};

/** Lets the worker poll a few times (it polls every 0.5 s). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

/** A local port with nothing listening on it. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 4 });
  queue = await createJobQueue({ databaseUrl: db.url, logger });
  worker = await createEmailWorker({ databaseUrl: db.url, mailDir, logger, ...fast });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await db?.drop();
});

describe("the email queue and worker", () => {
  it("delivers an enqueued email as an .eml file", async () => {
    const to = address();
    await queue.sendEmail(email(to));
    const received = await waitForEmail(mailDir, to);
    expect(received.subject).toBe("Hello");
    expect(received.text).toContain(`A line for ${to}`);
    expect(received.text).toContain("https://x.test/?a=1&b=2");
    expect(await jobsTo(to)).toEqual([expect.objectContaining({ state: "completed" })]);
  });

  it("sends a job enqueued in a pg transaction only when it commits", async () => {
    const [kept, dropped] = [address(), address()];
    await inTransaction(db.pool, (client) => queue.sendEmail(email(kept), { db: client }));
    await expect(
      inTransaction(db.pool, async (client) => {
        await queue.sendEmail(email(dropped), { db: client });
        expect(
          await client.query("SELECT 1 FROM pgboss.job WHERE data->>'to' = $1", [dropped]),
        ).toMatchObject({
          rowCount: 1,
        });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await waitForEmail(mailDir, kept);
    await settle();
    expect(await jobsTo(dropped)).toEqual([]);
    expect((await readEmails(mailDir)).filter((m) => m.to === dropped)).toEqual([]);
  });

  it("sends a job enqueued in a Prisma interactive transaction only when it commits", async () => {
    const [kept, dropped] = [address(), address()];
    await db.platform.$transaction((tx) => queue.sendEmail(email(kept), { db: prismaSqlExecutor(tx) }));
    await expect(
      db.platform.$transaction(async (tx) => {
        await queue.sendEmail(email(dropped), { db: prismaSqlExecutor(tx) });
        const inside = await tx.$queryRawUnsafe("SELECT 1 FROM pgboss.job WHERE data->>'to' = $1", dropped);
        expect(inside).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await waitForEmail(mailDir, kept);
    await settle();
    expect(await jobsTo(dropped)).toEqual([]);
    expect((await readEmails(mailDir)).filter((m) => m.to === dropped)).toEqual([]);
  });

  it("queues the body sealed, and erases it once the email is sent", async () => {
    const to = address();
    const secret = `token-${randomSlug("s")}`;
    await inTransaction(db.pool, async (client) => {
      await queue.sendEmail(
        { to, subject: "Sealed", text: `https://x.test/reset?token=${secret}` },
        { db: client },
      );
      const { rows } = await client.query<{ data: { to: string; subject: string; body: string } }>(
        "SELECT data FROM pgboss.job WHERE data->>'to' = $1",
        [to],
      );
      expect(rows[0]?.data).toEqual({ to, subject: "Sealed", body: expect.stringMatching(/^v1\./) });
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(rows)).not.toContain("x.test");
    });
    const received = await waitForEmail(mailDir, to);
    expect(received.text).toBe(`https://x.test/reset?token=${secret}`);
    const job = await jobIn(to, "completed");
    expect(job?.data).toEqual({ to, subject: "Sealed" });
    expect(JSON.stringify(job)).not.toContain(secret);
  });

  it("fails a job sealed with a key the worker does not hold, and erases its body", async () => {
    const foreign = await createJobQueue({ databaseUrl: db.url, logger, encryptionKey: "f".repeat(32) });
    try {
      const to = address();
      await foreign.sendEmail(email(to));
      const job = await jobIn(to, "failed");
      expect(job).toMatchObject({ retry_count: 2, data: { to, subject: "Hello" } });
      expect(JSON.stringify(job?.output)).toMatch(/EMAIL_ENCRYPTION_KEY does not hold/);
      expect((await readEmails(mailDir)).filter((m) => m.to === to)).toEqual([]);
    } finally {
      await foreign.close();
    }
  });

  it("retries a send that fails (SMTP unreachable), then marks the job failed", async () => {
    const smtpDir = mkdtempSync(join(tmpdir(), "taruvi-mail-"));
    const failing = await createEmailWorker({
      databaseUrl: db.url,
      smtpUrl: `smtp://127.0.0.1:${await closedPort()}`,
      mailDir: smtpDir,
      logger,
      ...fast,
    });
    // The file worker must not take this job: stop it, and let the SMTP worker alone work.
    await worker.close();
    try {
      const to = address();
      await queue.sendEmail(email(to));
      const deadline = Date.now() + 30_000;
      while ((await jobsTo(to))[0]?.state !== "failed" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const [job] = await jobsTo(to);
      expect(job).toMatchObject({ state: "failed", retry_count: 2 });
      expect(JSON.stringify(job?.output)).toMatch(/ECONNREFUSED/);
      // The last try erased the body: a link that was never delivered stays nowhere either.
      expect(job?.data).toEqual({ to, subject: "Hello" });
      expect(await readEmails(smtpDir)).toEqual([]);
    } finally {
      await failing.close();
      worker = await createEmailWorker({ databaseUrl: db.url, mailDir, logger, ...fast });
    }
  });
});
