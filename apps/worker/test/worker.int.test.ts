import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createJobQueue } from "@taruvi/jobs";
import { createTestDatabase, randomSlug, type TestDatabase, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");
const entry = join(root, "apps/worker/src/index.ts");

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

const startWorker = (env: Record<string, string>): Run => {
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
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
};

const waitFor = async (check: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.drop());

describe("apps/worker", () => {
  it("delivers queued email to DATA_DIR/mail, logs the path but not the message, stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "taruvi-worker-"));
    const run = startWorker({ DATABASE_URL: db.url, DATA_DIR: dataDir });
    try {
      await waitFor(() => run.output().includes("worker running"), "the worker to start");
      const queue = await createJobQueue({ databaseUrl: db.url });
      const to = `${randomSlug("w")}@example.test`;
      await queue.sendEmail({ to, subject: "Welcome", text: "secret-token-1234567890" });
      await queue.close();

      const mail = await waitForEmail(join(dataDir, "mail"), to);
      expect(mail.text).toBe("secret-token-1234567890");
      await waitFor(() => run.output().includes(mail.path), "the path in the log");
      expect(run.output()).not.toContain("secret-token");

      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain("shutting down");
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("refuses to start in production without SMTP_URL (exit 1, naming the variable)", async () => {
    const run = startWorker({ NODE_ENV: "production", DATABASE_URL: db.url, SMTP_URL: "" });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain("SMTP_URL: must be set in production");
  });

  it("refuses to start in production with the development email key (exit 1, naming the variable)", async () => {
    const run = startWorker({
      NODE_ENV: "production",
      DATABASE_URL: db.url,
      SMTP_URL: "smtp://127.0.0.1:2525",
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain("EMAIL_ENCRYPTION_KEY: must be set in production");
    expect(run.output()).not.toContain("SMTP_URL");
  });
});
