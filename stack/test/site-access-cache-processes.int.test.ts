import { randomBytes, randomUUID } from "node:crypto";
import { type Actor, internalContextKey, signInternalContext, type TenantRef } from "@taruvi/auth";
import { type OwnRedis, startOwnRedis } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantDirectly, type SiteRef, siteUser } from "./fixtures";
import {
  createSiteWithAdmin,
  createWorld,
  errorCode,
  httpRequest,
  signedIn,
  startTestStack,
  type TestStack,
} from "./helpers";
import { appEnv, everywhereAfter, killAllApps, spawnReadyApps, waitUntil } from "./process-helpers";

// Two audit subgraphs, each its own process, keep site access across requests; a change made
// through the product in a third (the in-process stack) reaches both through the change bus
// within a second, and while the bus is down no entry is used more than a second after it was
// read (docs/decisions/0025). The Redis is this test's own, so it can be stopped.

const SECRET = randomBytes(32).toString("base64url");
const TRAIL = JSON.stringify({ query: "{ auditEvents(first: 1) { edges { node { id } } } }" });

let redis: OwnRedis;
let t: TestStack;
let site: SiteRef;
let tenant: TenantRef;
let adminToken: string;
let ports: number[];

beforeAll(async () => {
  redis = await startOwnRedis();
  t = await startTestStack({ INTERNAL_CONTEXT_SECRET: SECRET }, { redisUrl: redis.url, worker: false });
  const world = await createWorld(t);
  const made = await createSiteWithAdmin(t, world.organization.id);
  site = made.site;
  tenant = { siteId: site.id, slug: site.slug, schema: site.schemaName };
  adminToken = (await signedIn(t, made.admin, site.slug)).accessToken;
  ports = await spawnReadyApps("apps/audit/src/index.ts", { ...appEnv(t, SECRET), REDIS_URL: redis.url }, 2);
}, 150_000);

afterAll(async () => {
  await killAllApps();
  await t?.close();
  await redis?.stop();
});

/** audit.view as `actor` in the process on `port`, with the context the gateway would sign. */
const outcomeAt = async (port: number, actor: Actor): Promise<string> => {
  const signed = await signInternalContext(
    internalContextKey(SECRET),
    { requestId: randomUUID(), tenant, actor },
    { audience: "audit", body: TRAIL },
  );
  const res = await httpRequest(`http://127.0.0.1:${port}/graphql`, {
    headers: { "content-type": "application/json", "x-taruvi-context": signed },
    body: TRAIL,
  });
  if (res.status !== 200) return `HTTP ${res.status}`;
  return errorCode(res) ?? "ok";
};
const everywhere = (actor: Actor) => Promise.all(ports.map((port) => outcomeAt(port, actor)));

/** Milliseconds from `since` until every process refuses `actor`. */
const refusedEverywhereAfter = (actor: Actor, since: number) =>
  everywhereAfter(ports, (port) => outcomeAt(port, actor), "FORBIDDEN", since);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("site access cached in two subgraph processes", () => {
  it("keeps access while the bus is up, and a change made elsewhere holds in both within a second", async () => {
    const kept = await siteUser(t, site);
    const keptGrant = await grantDirectly(t, site, { userId: kept.id }, "audit.view");
    const revoked = await siteUser(t, site);
    const grant = await grantDirectly(t, site, { userId: revoked.id }, "audit.view");
    const [asKept, asRevoked] = [
      { type: "user", id: kept.id } as Actor,
      { type: "user", id: revoked.id } as Actor,
    ];
    expect(await everywhere(asKept)).toEqual(["ok", "ok"]);
    expect(await everywhere(asRevoked)).toEqual(["ok", "ok"]);

    // An edit in SQL by hand tells nobody: both processes keep their entries past a second.
    await t.db.pool.query(`DELETE FROM "${site.schemaName}".permission_grants WHERE id = $1`, [keptGrant]);
    await sleep(1_200);
    expect(await everywhere(asKept)).toEqual(["ok", "ok"]);

    // Through the product (the identity subgraph of the in-process stack): announced on commit.
    const res = await t.gql("mutation ($id: ID!) { revokePermission(id: $id) }", {
      tenant: site.slug,
      token: adminToken,
      variables: { id: grant },
    });
    const committed = Date.now();
    expect(res.json.data).toEqual({ revokePermission: true });
    expect(await refusedEverywhereAfter(asRevoked, committed)).toBeLessThan(1_000);
    // Every entry of the site older than the change is dropped, the one edited by hand too.
    expect(await everywhere(asKept)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });

  it("while the bus is down, no entry is used more than a second after it was read", async () => {
    const user = await siteUser(t, site);
    const grant = await grantDirectly(t, site, { userId: user.id }, "audit.view");
    const actor = { type: "user", id: user.id } as Actor;
    expect(await everywhere(actor)).toEqual(["ok", "ok"]);
    const read = Date.now();

    await redis.stop();
    // Nothing can announce this change: only the entries' life bounds it.
    await t.db.pool.query(`DELETE FROM "${site.schemaName}".permission_grants WHERE id = $1`, [grant]);
    expect(await refusedEverywhereAfter(actor, read)).toBeLessThan(1_300);

    // Entries read during the outage live a second as well: a grant given back (in SQL, still
    // unannounced) counts within about a second.
    await t.db.pool.query(
      `INSERT INTO "${site.schemaName}".permission_grants (permission, principal_type, user_id)
       VALUES ('audit.view', 'USER', $1)`,
      [user.id],
    );
    const given = Date.now();
    await waitUntil(
      "the grant counted again in both processes",
      async () => (await everywhere(actor)).every((o) => o === "ok"),
      5_000,
    );
    expect(Date.now() - given).toBeLessThan(1_300);

    await redis.start();
  });
});
