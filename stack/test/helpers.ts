import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { type Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import {
  type Actor,
  audienceFor,
  type ClientInfo,
  hashPassword,
  internalContextKey,
  signAccessToken,
  signInternalContext,
  type TenantRef,
} from "@taruvi/auth";
import { createLogger } from "@taruvi/logging";
import { createSite, loadTenantSets, type ProvisionedSite } from "@taruvi/migrator";
import { seedSiteAdmin } from "@taruvi/platform";
import { createTestAccount, createTestDatabase, randomSlug, type TestDatabase } from "@taruvi/testing";
import { type AnyService, type Stack, startStack } from "../src/index";

export type HttpResult = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response bodies
  json: any;
};

/**
 * A raw HTTP request (node:http, so Host and malformed bodies are sent exactly as given); with
 * `agent`, on that agent's connections (keep-alive clients).
 */
export const httpRequest = (
  url: string,
  {
    method = "POST",
    headers = {},
    body,
    agent,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<HttpResult> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(agent ? { agent } : {}) }, (res) => {
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
  /** Where the stack keeps its signing key (a peer stack over the same data shares it). */
  dataDir: string;
  /** The Redis every part of the stack shares, when it was started with one. */
  redisUrl: string | undefined;
  /** POST a GraphQL operation to the gateway. */
  gql: (query: string, options?: GqlOptions) => Promise<HttpResult>;
  /** An access token for `subject` in `site`'s scope (null: the platform). */
  token: (subject: string, site: { id: string } | null, ttlSeconds?: number) => Promise<string>;
  createSite: (organizationId: string) => Promise<ProvisionedSite>;
  close: () => Promise<void>;
};

const tenantSets = loadTenantSets();

export type TestStackOptions = {
  /** Every log line of the gateway and subgraphs goes here (at `logLevel`, default trace). */
  logDestination?: Writable;
  logLevel?: string;
  /** Shared Redis for revocations, rate limits and caches; memory when unset. */
  redisUrl?: string;
  /** The in-process job worker (on by default; it writes email to `stack.mailDir`). */
  worker?: boolean;
  /** Service definitions started beside the registered ones (defined in the test). */
  extraServices?: readonly AnyService[];
  /**
   * The admin URL of a PostgreSQL of the test's own (`startOwnPostgres`: fault tests stop it);
   * the stack's database is made and migrated there. Default: the shared test server.
   */
  postgresUrl?: string;
  /**
   * Runs on the fresh database before the stack starts; the variables it returns are the
   * stack's too (e.g. DATABASE_URL and MIGRATION_DATABASE_URL of roles it made).
   */
  prepare?: (db: TestDatabase) => Promise<Record<string, string>>;
};

/**
 * A real gateway, subgraphs and worker on free ports over a fresh test database. `env` sets any
 * app's variables (limits, SITE_RETENTION_DAYS, REFRESH_REUSE_GRACE_SECONDS, …) as strings, as
 * the process environment would.
 */
export const startTestStack = async (
  env: Record<string, string> = {},
  options: TestStackOptions = {},
): Promise<TestStack> => {
  const db = await createTestDatabase({
    poolSize: 4,
    ...(options.postgresUrl ? { server: options.postgresUrl } : {}),
  });
  const dataDir = mkdtempSync(join(tmpdir(), "taruvi-stack-"));
  const prepared = options.prepare ? await options.prepare(db) : {};
  const stack = await launch(db, dataDir, { ...env, ...prepared }, options);
  return testStackOf(stack, db, dataDir, options.redisUrl, async () => {
    await stack.close();
    await db.drop();
  });
};

/**
 * Another gateway and set of subgraphs over the same database, signing key and Redis as `t`
 * (a second replica behind a load balancer). Closing it leaves `t` and its database alone.
 */
export const startPeerStack = async (
  t: TestStack,
  env: Record<string, string> = {},
  options: Omit<TestStackOptions, "redisUrl"> = {},
): Promise<TestStack> => {
  const stack = await launch(t.db, t.dataDir, env, { ...options, redisUrl: t.redisUrl });
  return testStackOf(stack, t.db, t.dataDir, t.redisUrl, () => stack.close());
};

const launch = (
  db: TestDatabase,
  dataDir: string,
  env: Record<string, string>,
  options: TestStackOptions,
): Promise<Stack> =>
  startStack({
    env: {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      TOKEN_ISSUER: "taruvi",
      // As `npm start` runs: custom domains are VERIFIED at once unless a test turns it on.
      DOMAIN_VERIFICATION: "off",
      // Every test file's requests come from 127.0.0.1, and stacks on one Redis share its
      // counters: the allowance of refused requests per address is raised unless a test sets its
      // own (rate-limit-rejections.int.test.ts does).
      RATE_LIMIT_REJECTED_PER_MINUTE: "100000",
      JOB_POLLING_INTERVAL_SECONDS: "0.5",
      ...env,
    },
    logger: options.logDestination
      ? createLogger({
          name: "test",
          level: options.logLevel ?? "trace",
          destination: options.logDestination,
        })
      : createLogger({ name: "test", level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    freePorts: true,
    worker: options.worker ?? true,
    ...(options.extraServices ? { extraServices: options.extraServices } : {}),
  });

const testStackOf = (
  stack: Stack,
  db: TestDatabase,
  dataDir: string,
  redisUrl: string | undefined,
  close: () => Promise<void>,
): TestStack => {
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
    dataDir,
    redisUrl,
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
        { sets: tenantSets },
      ),
    close,
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

/**
 * POSTs `payload` straight to a subgraph with the context the gateway would sign: the stack's
 * secret, that subgraph as audience, that exact body.
 */
export const atSubgraph = async (
  t: TestStack,
  subgraph: keyof Stack["subgraphUrls"],
  context: { tenant?: TenantRef | null; actor: Actor | null; client?: ClientInfo; requestId?: string },
  payload: unknown,
): Promise<HttpResult> => {
  const body = JSON.stringify(payload);
  const signed = await signInternalContext(
    internalContextKey(t.stack.internalContextSecret),
    {
      requestId: context.requestId ?? randomUUID(),
      tenant: context.tenant ?? null,
      actor: context.actor,
      ...(context.client ? { client: context.client } : {}),
    },
    { audience: subgraph, body },
  );
  const url = t.stack.subgraphUrls[subgraph];
  if (!url) throw new Error(`no subgraph named ${subgraph}`);
  return httpRequest(url, {
    headers: { "content-type": "application/json", "x-taruvi-context": signed },
    body,
  });
};

/** A password that meets the policy (unique per call, so a log leak is unambiguous). */
export const strongPassword = (): string => `pw-${randomUUID()}`;

/** A site whose first admin is seeded at creation (seedSiteAdmin), with the admin's credentials. */
export const createSiteWithAdmin = async (t: TestStack, organizationId: string) => {
  const admin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
  const site = await createSite(
    t.db.pool,
    { organizationId, slug: randomSlug("site"), name: "Test Site" },
    {
      sets: tenantSets,
      seed: seedSiteAdmin({
        email: admin.email,
        name: "Site Admin",
        passwordHash: await hashPassword(admin.password),
      }),
    },
  );
  return { site, admin };
};

export const AUTH_PAYLOAD = "accessToken refreshToken expiresIn user { id email name isActive isAdmin }";

/** signIn through the gateway; the raw response (errors included). */
export const signInAt = (t: TestStack, credentials: { email: string; password: string }, tenant?: string) =>
  t.gql(`mutation ($input: SignInInput!) { signIn(input: $input) { ${AUTH_PAYLOAD} } }`, {
    variables: { input: { email: credentials.email, password: credentials.password } },
    ...(tenant ? { tenant } : {}),
  });

/** A successful signIn's payload (fails the test otherwise). */
export const signedIn = async (
  t: TestStack,
  credentials: { email: string; password: string },
  tenant?: string,
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number; user: { id: string } }> => {
  const res = await signInAt(t, credentials, tenant);
  if (!res.json?.data?.signIn) throw new Error(`sign-in failed: ${res.body}`);
  return res.json.data.signIn;
};

/** refreshSession through the gateway; the raw response. */
export const refreshAt = (t: TestStack, refreshToken: string, tenant?: string) =>
  t.gql(`mutation ($t: String!) { refreshSession(refreshToken: $t) { ${AUTH_PAYLOAD} } }`, {
    variables: { t: refreshToken },
    ...(tenant ? { tenant } : {}),
  });

/** The single error code of a response (top-level or GraphQL), for terse assertions. */
export const errorCode = (res: HttpResult): string | undefined => res.json?.errors?.[0]?.extensions?.code;

/** A platform account with a password (optionally a superuser), signed in through the gateway. */
export const signedInAccount = async (
  t: TestStack,
  options: { isSuperuser?: boolean; email?: string; name?: string } = {},
) => {
  const credentials = {
    email: options.email ?? `${randomSlug("acct")}@example.test`,
    password: strongPassword(),
  };
  const row = await t.db.platform.account.create({
    data: {
      email: credentials.email,
      name: options.name ?? "Signed In",
      passwordHash: await hashPassword(credentials.password),
      isSuperuser: options.isSuperuser ?? false,
    },
  });
  const session = await signedIn(t, credentials);
  return { id: row.id, ...credentials, token: session.accessToken };
};

/** The single error of a response with its code, field and message, for terse assertions. */
export const errorOf = (res: HttpResult): { code?: string; field?: string; message?: string } | undefined => {
  const error = res.json?.errors?.[0];
  return error
    ? { code: error.extensions?.code, field: error.extensions?.field, message: error.message }
    : undefined;
};

/** Every field of a Site the site-management tests look at. */
export const SITE_FIELDS = `id slug name status defaultHostname createdAt suspendedAt deletedAt restorableUntil
  settings { allowSignup } organization { id } domains { id hostname isPrimary }
  primaryDomain { id hostname }`;

/** An organization on `plan` with an account per role (and an outsider), each with a platform token. */
export const createOrganizationWithRoles = async (
  t: TestStack,
  plan: "FREE" | "PRO" | "ENTERPRISE" = "FREE",
) => {
  const [owner, admin, member, outsider] = await Promise.all(
    Array.from({ length: 4 }, () => createTestAccount(t.db.platform)),
  );
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Sites Org",
      plan,
      members: {
        create: [
          { accountId: owner?.id as string, role: "OWNER" },
          { accountId: admin?.id as string, role: "ADMIN" },
          { accountId: member?.id as string, role: "MEMBER" },
        ],
      },
    },
  });
  const tokenOf = (account: { id: string } | undefined) => t.token(account?.id as string, null);
  return {
    organization,
    tokens: {
      owner: await tokenOf(owner),
      admin: await tokenOf(admin),
      member: await tokenOf(member),
      outsider: await tokenOf(outsider),
    },
  };
};

/** createSite through the gateway as `token`; the raw response. The admin's credentials too. */
export const createSiteAt = async (
  t: TestStack,
  token: string,
  input: Partial<{
    organizationId: string;
    name: string;
    slug: string;
    adminEmail: string;
    adminPassword: string;
  }>,
) => {
  const admin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
  const res = await t.gql(
    `mutation ($input: CreateSiteInput!) { createSite(input: $input) { ${SITE_FIELDS} } }`,
    {
      token,
      variables: {
        input: {
          name: "New Site",
          slug: randomSlug("site"),
          adminEmail: admin.email,
          adminPassword: admin.password,
          ...input,
        },
      },
    },
  );
  return { res, admin, site: res.json?.data?.createSite ?? null };
};

/** A site mutation taking an id (`suspendSite`, `deleteSite`, …) through the gateway. */
export const siteMutation = (t: TestStack, token: string | undefined, name: string, id: string) =>
  t.gql(`mutation ($id: ID!) { ${name}(id: $id) { ${SITE_FIELDS} } }`, {
    variables: { id },
    ...(token ? { token } : {}),
  });
