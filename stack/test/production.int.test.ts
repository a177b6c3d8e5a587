import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGatewayEnv, start } from "@taruvi/gateway";
import { createTestDatabase, type TestDatabase } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startTestStack, type TestStack } from "./helpers";
import { appEnv, freePort, killAllApps, spawnApp, waitUntil } from "./process-helpers";

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ SANDBOX: "false" });
});
afterAll(() => t.close());

describe("with the Sandbox off (production default)", () => {
  it("refuses introspection and serves no landing page", async () => {
    const res = await t.gql("{ __schema { types { name } } }");
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const page = await httpRequest(t.stack.gatewayUrl, { method: "GET", headers: { accept: "text/html" } });
    expect(page.body).not.toContain("embeddable-sandbox");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
  });

  it("does not serve the schema at /schema.graphql", async () => {
    const res = await httpRequest(t.stack.gatewayUrl.replace(/\/graphql$/, "/schema.graphql"), {
      method: "GET",
    });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain("type Query");
  });
});

describe("a gateway process with NODE_ENV=production", () => {
  let db: TestDatabase;
  let gateway: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 2 });
    const signingKey = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
    const env = loadGatewayEnv({
      NODE_ENV: "production",
      PORT: "0",
      METRICS_PORT: "0",
      DATABASE_URL: db.url,
      INTERNAL_CONTEXT_SECRET: randomBytes(32).toString("hex"),
      SIGNING_KEYS: String(signingKey),
      LOG_LEVEL: "silent",
    });
    gateway = await start(env);
  });
  afterAll(async () => {
    await gateway?.close();
    await db?.drop();
  });

  const post = (query: string, headers: Record<string, string> = {}) =>
    httpRequest(gateway.url, {
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });

  it("serves no Sandbox: a browser at /graphql gets no landing page and the strict API CSP", async () => {
    const page = await httpRequest(gateway.url, {
      method: "GET",
      headers: { accept: "text/html,application/xhtml+xml" },
    });
    expect(page.body).not.toContain("embeddable-sandbox");
    expect(page.body).not.toContain("embeddedSandboxConfig");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["content-security-policy"]).not.toContain("apollographql.com");
  });

  it("does not serve the schema at /schema.graphql", async () => {
    const res = await httpRequest(gateway.url.replace(/\/graphql$/, "/schema.graphql"), { method: "GET" });
    expect(res.status).toBe(404);
    expect(res.json.errors[0].extensions.code).toBe("NOT_FOUND");
  });

  it("refuses introspection", async () => {
    for (const query of ["{ __schema { types { name } } }", '{ __type(name: "User") { name } }']) {
      const res = await post(query);
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    }
  });

  it("treats the Sandbox's token placeholder as the bad credential it is (401)", async () => {
    const res = await post("{ __typename }", { authorization: "Bearer <paste access token from signIn>" });
    expect(res.status).toBe(401);
    expect(res.json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

describe("sites and worker processes with NODE_ENV=production (docs/decisions/0022-database-roles.md)", () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolSize: 1 });
    dataDir = mkdtempSync(join(tmpdir(), "taruvi-production-"));
  });
  afterAll(async () => {
    await killAllApps();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const WARNING = /MIGRATION_DATABASE_URL is not set: the app role \(DATABASE_URL\) also runs DDL/;
  const APPS = {
    sites: { entry: "apps/sites/src/index.ts", ready: "sites subgraph listening" },
    worker: { entry: "apps/worker/src/index.ts", ready: "worker running" },
  } as const;

  /** The app started in production (with or without `extra`) until it says it is ready; its log lines, parsed. */
  const startedLog = async (name: keyof typeof APPS, extra: Record<string, string>) => {
    const app = spawnApp(APPS[name].entry, {
      ...appEnv({ db, dataDir }, randomBytes(32).toString("hex")),
      NODE_ENV: "production",
      PORT: String(await freePort()),
      // The worker's own refusals in production: real mail and a real email key.
      SMTP_URL: "smtp://127.0.0.1:2525",
      EMAIL_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      ...extra,
    });
    const lines = () =>
      app
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
    try {
      await waitUntil(
        `${name} to start`,
        async () => lines().some((l) => l.msg === APPS[name].ready),
        60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${app.output()}`);
    } finally {
      await app.stop("SIGTERM");
    }
    return lines();
  };

  it.each(Object.keys(APPS) as (keyof typeof APPS)[])(
    "%s: without MIGRATION_DATABASE_URL warns once at start that the app role runs DDL too, and starts; with it, no warning",
    async (name) => {
      const without = await startedLog(name, {});
      const warnings = without.filter((line) => WARNING.test(line.msg));
      expect(warnings, JSON.stringify(without)).toHaveLength(1);
      expect(warnings[0]?.level).toBe(40);

      const withOwner = await startedLog(name, { MIGRATION_DATABASE_URL: db.url });
      expect(withOwner.filter((line) => WARNING.test(line.msg))).toEqual([]);
    },
    150_000,
  );
});
