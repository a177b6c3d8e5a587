import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DOMAIN_VERIFICATION=off (domains VERIFIED without proof) is for development only: the sites
// subgraph and the worker refuse it at start-up in production, before touching anything.

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

const start = (entry: string, env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      tsx,
      [join(root, entry)],
      {
        env: {
          PATH: process.env.PATH ?? "",
          NODE_ENV: "production",
          DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
          INTERNAL_CONTEXT_SECRET: randomBytes(32).toString("hex"),
          SMTP_URL: "smtp://127.0.0.1:1",
          ...env,
        },
        timeout: 30_000,
      },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });

describe("DOMAIN_VERIFICATION=off in production", () => {
  it.each(["apps/sites/src/index.ts", "apps/worker/src/index.ts"])(
    "is refused at start-up by %s",
    async (entry) => {
      const { code, stderr } = await start(entry, { DOMAIN_VERIFICATION: "off" });
      expect(code).toBe(1);
      expect(stderr).toContain("DOMAIN_VERIFICATION: off is refused in production");
    },
  );
});
