import { Writable } from "node:stream";
import { type OwnPostgres, randomSlug, readEmails, startOwnPostgres, waitForEmail } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteAt,
  createSiteWithAdmin,
  type HttpResult,
  httpRequest,
  signedIn,
  signedInAccount,
  signInAt,
  startTestStack,
  type TestStack,
} from "./helpers";

// The stack runs on a PostgreSQL of this file's own, which it stops, hangs and crashes; the
// shared test server is never touched. Short timeouts, so a database that does not answer fails
// a request in about a second or two instead of hanging it.
const ENV = {
  DB_CONNECT_TIMEOUT_MS: "1000",
  DB_STATEMENT_TIMEOUT_MS: "2000",
  // The streams of writes below are one client's: no rate limit may refuse them.
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000",
  RATE_LIMIT_PRINCIPAL_PER_MINUTE: "100000",
  RATE_LIMIT_TENANT_PER_MINUTE: "100000",
  RATE_LIMIT_ADDRESS_PER_MINUTE: "100000",
};
/** No request may take longer than this, whatever the database does (the timeouts plus slack). */
const ANSWER_WITHIN_MS = 15_000;

let server: OwnPostgres;
let t: TestStack;
let owner: Awaited<ReturnType<typeof signedInAccount>>;
let organizationId: string;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let siteToken: string;
/** Every log line of the stack, parsed. */
const lines: { msg?: string; level?: number; applicationName?: string }[] = [];
const logs = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

beforeAll(async () => {
  server = await startOwnPostgres();
  t = await startTestStack(ENV, { postgresUrl: server.url, logDestination: logs, logLevel: "info" });
  owner = await signedInAccount(t);
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Outage Org",
      plan: "ENTERPRISE",
      members: { create: { accountId: owner.id, role: "OWNER" } },
    },
  });
  organizationId = organization.id;
  site = await createSiteWithAdmin(t, organizationId);
  siteToken = (await signedIn(t, site.admin, site.site.slug)).accessToken;
});

afterAll(async () => {
  // Whatever state a failed test left the server in, the stack closes against a running one.
  server?.resume();
  await server?.start().catch(() => undefined);
  await t?.close();
  await server?.close();
});

/** `request`'s answer, or a failure naming it when none comes in time (a hung request). */
const within = async <T>(request: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ANSWER_WITHIN_MS} ms`)),
      ANSWER_WITHIN_MS,
    );
  });
  try {
    return await Promise.race([request, late]);
  } finally {
    clearTimeout(timer);
  }
};

const eventually = async (check: () => Promise<boolean>, withinMs: number) => {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
};

const CREATE_GROUP = "mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id name } }";

/** What a client does: sign in, read, write (a site's group). */
const requests: Record<string, () => Promise<HttpResult>> = {
  "sign-in": () => signInAt(t, owner),
  read: () => t.gql("{ organizations { slug } }", { token: owner.token }),
  write: () =>
    t.gql(CREATE_GROUP, {
      tenant: site.site.slug,
      token: siteToken,
      variables: { input: { name: randomSlug("group") } },
    }),
};

const probe = (path: "/healthz" | "/readyz") =>
  within(httpRequest(new URL(path, t.stack.gatewayUrl).toString(), { method: "GET" }), path);

/** Every request answered 503 SERVICE_UNAVAILABLE with Retry-After, nothing internal shown. */
const expectUnavailable = async () => {
  for (const [name, request] of Object.entries(requests)) {
    const res = await within(request(), name);
    expect({ name, status: res.status, code: res.json?.errors?.[0]?.extensions?.code }).toEqual({
      name,
      status: 503,
      code: "SERVICE_UNAVAILABLE",
    });
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    expect(res.body).not.toMatch(/ECONNREFUSED|timeout|terminat|127\.0\.0\.1|postgres/i);
  }
};

/** Every request served: 200 without errors. */
const expectServed = async () => {
  for (const [name, request] of Object.entries(requests)) {
    const res = await within(request(), name);
    expect({ name, status: res.status, errors: res.json?.errors }).toEqual({
      name,
      status: 200,
      errors: undefined,
    });
  }
};

describe("before any outage", () => {
  it("sign-in, reads and writes are served and /readyz is ready", async () => {
    await expectServed();
    const ready = await probe("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json.checks.postgres).toBe(true);
  });
});

describe("PostgreSQL stopped", () => {
  beforeAll(async () => {
    await server.stop("fast");
  });

  it("sign-in, a read and a write answer 503 SERVICE_UNAVAILABLE with Retry-After, never 500", async () => {
    await expectUnavailable();
  });

  it("/readyz is 503 naming postgres; /healthz stays 200", async () => {
    const ready = await probe("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.checks.postgres).toBe(false);
    expect((await probe("/healthz")).status).toBe(200);
  });

  describe("started again", () => {
    beforeAll(async () => {
      await server.start();
    });

    it("the same requests are served, no app restarted", async () => {
      await expectServed();
      expect((await probe("/readyz")).status).toBe(200);
    });
  });
});

describe("PostgreSQL hung (every process SIGSTOPped)", () => {
  beforeAll(() => {
    server.hang();
  });

  it("requests answer 503 SERVICE_UNAVAILABLE with Retry-After instead of hanging", async () => {
    await expectUnavailable();
  });

  it("/readyz is 503 naming postgres", async () => {
    const ready = await probe("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.checks.postgres).toBe(false);
  });

  describe("resumed (SIGCONT)", () => {
    beforeAll(() => {
      server.resume();
    });

    it("the same requests are served again", async () => {
      await expectServed();
      expect((await probe("/readyz")).status).toBe(200);
    });
  });
});

describe("PostgreSQL crashed (SIGKILL) during a stream of writes, then started again", () => {
  type Outcome = { name: string; res: HttpResult };
  const groups: Outcome[] = [];
  const sites: (Outcome & { admin: { email: string; password: string } })[] = [];
  /** Reset emails asked for just before the crash and after the restart. */
  const resets = { before: "", after: "" };
  const acknowledged = (outcome: Outcome) => outcome.res.status === 200 && !outcome.res.json?.errors;
  const failed = (outcomes: Outcome[]) => outcomes.filter((outcome) => !acknowledged(outcome));
  const REQUEST_RESET = "mutation ($email: String!) { requestPasswordReset(email: $email) }";
  const requestReset = async (email: string) => {
    const res = await within(t.gql(REQUEST_RESET, { variables: { email } }), "requestPasswordReset");
    expect(res.json).toEqual({ data: { requestPasswordReset: true } });
    return email;
  };
  const until = async (done: () => boolean, what: string) => {
    if (!(await eventually(async () => done(), 30_000))) throw new Error(`${what}: not within 30 s`);
  };

  beforeAll(async () => {
    const [before, after] = [await signedInAccount(t), await signedInAccount(t)];
    let writing = true;
    const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
    const writeGroups = async () => {
      while (writing) {
        const name = randomSlug("group");
        const res = await within(
          t.gql(CREATE_GROUP, { tenant: site.site.slug, token: siteToken, variables: { input: { name } } }),
          "createGroup",
        );
        groups.push({ name, res });
        await pause();
      }
    };
    const writeSites = async () => {
      while (writing) {
        const slug = randomSlug("site");
        const { res, admin } = await within(
          createSiteAt(t, owner.token, { organizationId, slug }),
          "createSite",
        );
        sites.push({ name: slug, res, admin });
        await pause();
      }
    };
    const writers = Promise.all([writeGroups(), writeGroups(), writeSites()]);
    try {
      await until(() => groups.filter(acknowledged).length >= 5 && sites.some(acknowledged), "writes before");
      // Enqueued in its request's transaction just now: the worker has most likely not sent it yet.
      resets.before = await requestReset(before.email);
      await server.stop("crash");
      const down = groups.length;
      await until(() => failed(groups.slice(down)).length >= 3, "writes failing");
      await server.start();
      const up = { groups: groups.length, sites: sites.length };
      await until(
        () =>
          groups.slice(up.groups).filter(acknowledged).length >= 5 &&
          sites.slice(up.sites).some(acknowledged),
        "writes after",
      );
      resets.after = await requestReset(after.email);
    } finally {
      writing = false;
      await writers;
    }
  });

  it("a write that failed answered 503 SERVICE_UNAVAILABLE with Retry-After, never 500", () => {
    const failures = failed([...groups, ...sites]);
    expect(failures.length).toBeGreaterThan(0);
    for (const { name, res } of failures) {
      expect({ name, status: res.status, code: res.json?.errors?.[0]?.extensions?.code }).toEqual({
        name,
        status: 503,
        code: "SERVICE_UNAVAILABLE",
      });
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    }
  });

  it("every acknowledged group is there once, each group with its one audit event", async () => {
    const { rows } = await t.db.pool.query<{ name: string; audited: number }>(
      `SELECT g.name, count(a.id)::int AS audited
       FROM "${site.site.schemaName}".groups g
       LEFT JOIN "${site.site.schemaName}".audit_events a ON a.entity_id = g.id::text AND a.action = 'group.created'
       GROUP BY g.id, g.name`,
    );
    const stored = new Map(rows.map((row) => [row.name, row.audited]));
    for (const { name } of groups.filter(acknowledged))
      expect({ name, audited: stored.get(name) }).toEqual({ name, audited: 1 });
    // A failed write may have committed before its answer was lost, but never in part.
    for (const row of rows) expect(row).toEqual({ name: row.name, audited: 1 });
  });

  it("no half-created site: every site row is ACTIVE with its schema, every site schema has its row", async () => {
    const { rows } = await t.db.pool.query<{
      slug: string | null;
      status: string | null;
      schema: string | null;
    }>(
      `SELECT s.slug, s.status::text AS status, n.nspname AS schema
       FROM platform.sites s
       FULL JOIN (SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%') n ON n.nspname = s.schema_name`,
    );
    for (const row of rows)
      expect(row).toEqual({ slug: expect.any(String), status: "ACTIVE", schema: expect.any(String) });
    const slugs = new Set(rows.map((row) => row.slug));
    for (const { name } of sites.filter(acknowledged)) expect(slugs.has(name)).toBe(true);
  });

  it("every acknowledged site works: its admin signs in through the gateway", async () => {
    for (const { name, admin } of sites.filter(acknowledged)) {
      const res = await within(signInAt(t, admin, name), "signIn");
      expect({ name, status: res.status, errors: res.json?.errors }).toEqual({
        name,
        status: 200,
        errors: undefined,
      });
    }
  });

  it("the worker resumes: an email queued just before the crash and one queued after are delivered", async () => {
    for (const to of [resets.before, resets.after]) {
      const mail = await waitForEmail(t.stack.mailDir, to, {
        subject: "Reset your password",
        timeoutMs: 30_000,
      });
      expect(mail.text).toMatch(/token=/);
    }
    expect((await readEmails(t.stack.mailDir)).filter((mail) => mail.to === resets.after)).toHaveLength(1);
  });
});

describe("the logs of three outages", () => {
  it("hold no error: every failure above was an expected, retryable one", () => {
    expect(lines.filter((line) => (line.level ?? 0) >= 50).map((line) => line.msg)).toEqual([]);
  });

  it("an outage is logged once per pool and job-queue client, not per connection or poll", () => {
    const said = (message: string) => {
      const counts = new Map<string, number>();
      for (const line of lines.filter((l) => l.msg === message)) {
        counts.set(String(line.applicationName), (counts.get(String(line.applicationName)) ?? 0) + 1);
      }
      return counts;
    };
    // Three outages (stopped, hung, crashed): at most one line each, however many connections
    // broke and however many polls failed.
    const idle = lines.filter((line) => line.msg === "idle connection error").length;
    expect(idle).toBeGreaterThan(0);
    expect(idle).toBeLessThanOrEqual(3);
    const unavailable = said("job queue: database unavailable; retrying");
    expect(unavailable.size).toBeGreaterThan(0);
    for (const [client, times] of unavailable) expect(times, client).toBeLessThanOrEqual(3);
    expect(said("job queue: database available again").size).toBe(unavailable.size);
  });
});
