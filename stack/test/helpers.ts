import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { audienceFor, signAccessToken } from "@taruvi/auth";
import { createLogger } from "@taruvi/logging";
import { createSite, defaultMigrationsDirs, loadMigrations, type ProvisionedSite } from "@taruvi/tenancy";
import { createTestAccount, createTestDatabase, randomSlug, type TestDatabase } from "@taruvi/testing";
import { type Stack, startStack } from "../src/index";

export type HttpResult = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response bodies
  json: any;
};

/** A raw HTTP request (node:http, so Host and malformed bodies are sent exactly as given). */
export const httpRequest = (
  url: string,
  {
    method = "POST",
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });

export type GqlOptions = {
  tenant?: string;
  token?: string;
  host?: string;
  headers?: Record<string, string>;
  variables?: unknown;
};

export type TestStack = {
  stack: Stack;
  db: TestDatabase;
  /** POST a GraphQL operation to the gateway. */
  gql: (query: string, options?: GqlOptions) => Promise<HttpResult>;
  /** An access token for `subject` in `site`'s scope (null: the platform). */
  token: (subject: string, site: { id: string } | null, ttlSeconds?: number) => Promise<string>;
  createSite: (organizationId: string) => Promise<ProvisionedSite>;
  close: () => Promise<void>;
};

const tenantSet = loadMigrations(defaultMigrationsDirs.tenant);

/** A real gateway and subgraphs on free ports over a fresh test database. */
export const startTestStack = async (gatewayEnv: Record<string, string> = {}): Promise<TestStack> => {
  const db = await createTestDatabase({ poolSize: 4 });
  const stack = await startStack({
    databaseUrl: db.url,
    dataDir: mkdtempSync(join(tmpdir(), "taruvi-stack-")),
    logger: createLogger({ name: "test", level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    gatewayPort: 0,
    subgraphPorts: { identity: 0, organizations: 0, sites: 0, audit: 0 },
    gatewayEnv: { TOKEN_ISSUER: "taruvi", ...gatewayEnv },
  });
  const gql = (query: string, options: GqlOptions = {}) =>
    httpRequest(stack.gatewayUrl, {
      headers: {
        "content-type": "application/json",
        ...(options.tenant ? { "x-tenant": options.tenant } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query, variables: options.variables }),
    });
  return {
    stack,
    db,
    gql,
    token: async (subject, site, ttlSeconds) =>
      (
        await signAccessToken(stack.keyStore, {
          subject,
          sessionId: randomUUID(),
          audience: audienceFor(site ? { siteId: site.id } : null),
          issuer: "taruvi",
          ...(ttlSeconds ? { ttlSeconds } : {}),
        })
      ).token,
    createSite: (organizationId) =>
      createSite(
        db.pool,
        { organizationId, slug: randomSlug("site"), name: "Test Site" },
        { set: tenantSet },
      ),
    close: async () => {
      await stack.close();
      await db.drop();
    },
  };
};

/** An organization with an owner account, and a site user in each of two sites. */
export const createWorld = async (t: TestStack) => {
  const owner = await createTestAccount(t.db.platform);
  const outsider = await createTestAccount(t.db.platform);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "World Org",
      members: { create: { accountId: owner.id, role: "OWNER" } },
    },
  });
  const siteA = await t.createSite(organization.id);
  const siteB = await t.createSite(organization.id);
  const userOf = async (site: ProvisionedSite, name: string) =>
    (
      await t.db.pool.query<{ id: string }>(
        `INSERT INTO "${site.schemaName}".users (email, name) VALUES ($1, $2) RETURNING id`,
        [`${randomSlug("u")}@example.test`, name],
      )
    ).rows[0]?.id as string;
  return {
    owner,
    outsider,
    organization,
    siteA,
    siteB,
    userA: await userOf(siteA, "Alice of A"),
    userB: await userOf(siteB, "Bob of B"),
  };
};
