// A service's site lifecycle hooks and jobs (docs/decisions/0015-service-hooks-and-jobs.md): a
// service defined here, started by the stack beside the registered ones, sees every site change
// made through the gateway (and the worker's purge) in its own hooks, retried when they throw.
import { isAuthenticated } from "@taruvi/auth";
import type { TenantClient } from "@taruvi/db";
import { defineService, type ServiceJobs, type SiteEvent } from "@taruvi/subgraph-kit";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganizationWithRoles,
  createSiteAt,
  errorCode,
  siteMutation,
  startTestStack,
  type TestStack,
} from "./helpers";

/** What a hook or job saw: its event (or job data), its try, and the site's users through its `db`. */
type Call = {
  hook: string;
  event?: SiteEvent;
  data?: Record<string, unknown>;
  try: number;
  ok: boolean;
  users?: string[];
  hasDb?: boolean;
};

const calls: Call[] = [];
let probeJobs: ServiceJobs | undefined;
/** Hooks (`suspended:<siteId>`) and jobs (`job:<tag>`) that throw on their first try. */
const failFirst = new Set<string>();

const usersOf = async (db: TenantClient) =>
  (await db.user.findMany({ select: { email: true }, orderBy: { email: "asc" } })).map((u) => u.email);

const liveHook =
  (hook: string) => async (event: SiteEvent, ctx: { db: TenantClient; run: { retryCount: number } }) => {
    const call: Call = { hook, event, try: ctx.run.retryCount + 1, ok: false, users: await usersOf(ctx.db) };
    calls.push(call);
    if (ctx.run.retryCount === 0 && failFirst.has(`${hook}:${event.siteId}`)) {
      throw new Error(`${hook} hook fails its first try`);
    }
    call.ok = true;
  };

const probe = defineService({
  name: "hookprobe",
  port: 4990,
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Probe @key(fields: "id") { id: ID! }
    type Query { hookProbe: String }
  `),
  resolvers: {
    Query: { hookProbe: () => "ok" },
    Probe: { __resolveReference: (ref: { id: string }) => ref },
  },
  rules: { Query: { hookProbe: isAuthenticated }, Probe: isAuthenticated },
  createLoaders: () => ({}),
  services: (_env, { jobs }): { jobs: ServiceJobs } => {
    // What its resolvers would call through `ctx.services.jobs`; the test sends through it too.
    probeJobs = jobs;
    return { jobs };
  },
  hookRetry: { limit: 3, delaySeconds: 1, backoff: false },
  hooks: {
    created: liveHook("created"),
    suspended: liveHook("suspended"),
    resumed: liveHook("resumed"),
    deleted: liveHook("deleted"),
    restored: liveHook("restored"),
    purged: async (event, ctx) => {
      const call: Call = {
        hook: "purged",
        event,
        try: ctx.run.retryCount + 1,
        ok: false,
        hasDb: "db" in ctx,
      };
      calls.push(call);
      if (ctx.run.retryCount === 0 && failFirst.has(`purged:${event.siteId}`)) {
        throw new Error("purged hook fails its first try");
      }
      call.ok = true;
    },
  },
  jobs: [
    {
      name: "tally",
      retryLimit: 2,
      retryDelaySeconds: 1,
      retryBackoff: false,
      handler: async (data, ctx) => {
        const siteId = String(data.siteId);
        const call: Call = {
          hook: "job",
          data,
          try: ctx.run.retryCount + 1,
          ok: false,
          users: await usersOf(ctx.tenants.forSite(siteId)),
        };
        calls.push(call);
        if (ctx.run.retryCount === 0 && failFirst.has(`job:${String(data.tag)}`))
          throw new Error("job fails once");
        call.ok = true;
        // The service's own send works from inside a job too (its services carry it).
        if (data.next) await ctx.services.jobs.send("tally", { siteId, tag: data.next });
      },
    },
  ],
});

let t: TestStack;
let org: Awaited<ReturnType<typeof createOrganizationWithRoles>>;
const RETENTION_DAYS = 7;

beforeAll(async () => {
  t = await startTestStack({ SITE_RETENTION_DAYS: String(RETENTION_DAYS) }, { extraServices: [probe] });
  org = await createOrganizationWithRoles(t, "ENTERPRISE");
});
afterAll(() => t?.close());

const waitFor = async <T>(what: string, find: () => T | undefined, ms = 20_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; calls: ${JSON.stringify(calls)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
const callsOf = (hook: string, siteId: string) =>
  calls.filter((c) => c.hook === hook && c.event?.siteId === siteId);
const succeeded = (hook: string, siteId: string) =>
  waitFor(`${hook} of ${siteId}`, () => callsOf(hook, siteId).find((c) => c.ok));

const newSite = async () => {
  const created = await createSiteAt(t, org.tokens.owner, { organizationId: org.organization.id });
  expect(created.res.json.errors).toBeUndefined();
  return created;
};
const schemaOf = (siteId: string) => `site_${siteId.replaceAll("-", "")}`;

describe("site lifecycle hooks", () => {
  it("created, suspended (retried after a throw), resumed, deleted and restored run with the site and its tenant client", async () => {
    const { site, admin } = await newSite();
    const created = await succeeded("created", site.id);
    expect(created.event).toMatchObject({
      siteId: site.id,
      slug: site.slug,
      schema: schemaOf(site.id),
      event: "created",
    });
    expect(Number.isNaN(Date.parse(created.event?.at ?? ""))).toBe(false);
    // The hook's `db` is bound to the new site's schema: it sees the first admin, committed with the site.
    expect(created.users).toEqual([admin.email]);

    failFirst.add(`suspended:${site.id}`);
    const suspend = await siteMutation(t, org.tokens.owner, "suspendSite", site.id);
    // The mutation does not wait for (or fail with) the hook.
    expect(suspend.json.data.suspendSite.status).toBe("SUSPENDED");
    const suspended = await succeeded("suspended", site.id);
    expect(suspended).toMatchObject({ try: 2, users: [admin.email] });
    expect(suspended.event).toMatchObject({ siteId: site.id, slug: site.slug, schema: schemaOf(site.id) });
    expect(callsOf("suspended", site.id).map((c) => [c.try, c.ok])).toEqual([
      [1, false],
      [2, true],
    ]);

    // A refused change (already suspended) commits nothing and enqueues nothing.
    expect(errorCode(await siteMutation(t, org.tokens.owner, "suspendSite", site.id))).toBe("CONFLICT");
    expect((await siteMutation(t, org.tokens.owner, "resumeSite", site.id)).json.errors).toBeUndefined();
    expect((await succeeded("resumed", site.id)).event?.event).toBe("resumed");
    expect((await siteMutation(t, org.tokens.owner, "deleteSite", site.id)).json.errors).toBeUndefined();
    expect((await succeeded("deleted", site.id)).users).toEqual([admin.email]);
    expect((await siteMutation(t, org.tokens.owner, "restoreSite", site.id)).json.errors).toBeUndefined();
    expect((await succeeded("restored", site.id)).event?.slug).toBe(site.slug);
    expect(callsOf("suspended", site.id)).toHaveLength(2);
  });

  it("purge (the worker's job) runs purged after the schema is gone, retried after a throw, with no tenant client", async () => {
    const { site } = await newSite();
    expect((await siteMutation(t, org.tokens.owner, "deleteSite", site.id)).json.errors).toBeUndefined();
    await succeeded("deleted", site.id);
    await t.db.platform.site.update({
      where: { id: site.id },
      data: { deletedAt: new Date(Date.now() - (RETENTION_DAYS + 1) * 86_400_000) },
    });
    failFirst.add(`purged:${site.id}`);
    const jobs = t.stack.scheduledJobs;
    if (!jobs) throw new Error("the stack runs its worker");
    await jobs.runNow("sites.purge");
    const purged = await succeeded("purged", site.id);
    expect(purged).toMatchObject({ try: 2, hasDb: false });
    expect(purged.event).toMatchObject({
      siteId: site.id,
      slug: site.slug,
      schema: schemaOf(site.id),
      event: "purged",
    });
    expect(await t.db.platform.site.findUnique({ where: { id: site.id } })).toBeNull();
    expect(
      (await t.db.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schemaOf(site.id)])).rowCount,
    ).toBe(0);
    expect(callsOf("purged", site.id).map((c) => c.ok)).toEqual([false, true]);
  });

  it("events of changes made while the service is down are delivered when it is back", async () => {
    const { site } = await newSite();
    await succeeded("created", site.id);
    await t.stack.stopSubgraph("hookprobe");
    try {
      const suspend = await siteMutation(t, org.tokens.owner, "suspendSite", site.id);
      expect(suspend.json.data.suspendSite.status).toBe("SUSPENDED");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(callsOf("suspended", site.id)).toEqual([]);
    } finally {
      await t.stack.startSubgraph("hookprobe");
    }
    expect((await succeeded("suspended", site.id)).try).toBe(1);
  });
});

describe("service jobs", () => {
  it("a job sent by the service runs in its process with the site's client, retried after a throw", async () => {
    const { site, admin } = await newSite();
    failFirst.add("job:first");
    const jobs = probeJobs;
    if (!jobs) throw new Error("the probe service runs");
    const id = await jobs.send("tally", { siteId: site.id, tag: "first", next: "second" });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const first = await waitFor("job first", () =>
      calls.find((c) => c.hook === "job" && c.data?.tag === "first" && c.ok),
    );
    expect(first).toMatchObject({ try: 2, users: [admin.email] });
    await waitFor("job second", () =>
      calls.find((c) => c.hook === "job" && c.data?.tag === "second" && c.ok),
    );
    await expect(jobs.send("nope", {})).rejects.toThrow(/no job named nope/);
  });
});
