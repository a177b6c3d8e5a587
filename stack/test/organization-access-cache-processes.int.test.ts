import { randomBytes, randomUUID } from "node:crypto";
import { type Actor, internalContextKey, signInternalContext } from "@taruvi/auth";
import { type OwnRedis, startOwnRedis } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, httpRequest, startTestStack, type TestStack } from "./helpers";
import { appEnv, everywhereAfter, killAllApps, spawnReadyApps } from "./process-helpers";
import { type accountWithToken, organizationWith } from "./sites-helpers";

// Two organizations subgraphs, each its own process, keep an account's standing in an
// organization across requests; a change made through the product in a third (the in-process
// stack) reaches both through the change bus within a second, and while the bus is down no entry
// is used more than a second after it was read (docs/decisions/0031). The Redis is this test's
// own, so it can be stopped.

const SECRET = randomBytes(32).toString("base64url");

let redis: OwnRedis;
let t: TestStack;
let ports: number[];

beforeAll(async () => {
  redis = await startOwnRedis();
  t = await startTestStack({ INTERNAL_CONTEXT_SECRET: SECRET }, { redisUrl: redis.url, worker: false });
  ports = await spawnReadyApps(
    "apps/organizations/src/index.ts",
    { ...appEnv(t, SECRET), REDIS_URL: redis.url },
    2,
  );
}, 150_000);

afterAll(async () => {
  await killAllApps();
  await t?.close();
  await redis?.stop();
});

type Account = Awaited<ReturnType<typeof accountWithToken>>;

/** Listing the organization's invitations (invite_members) as `account` in the process on `port`. */
const outcomeAt = async (port: number, account: Account, organizationId: string): Promise<string> => {
  const body = JSON.stringify({
    query: "query ($o: ID!) { invitations(organizationId: $o) { id } }",
    variables: { o: organizationId },
  });
  const actor: Actor = { type: "account", id: account.id };
  const signed = await signInternalContext(
    internalContextKey(SECRET),
    { requestId: randomUUID(), tenant: null, actor },
    { audience: "organizations", body },
  );
  const res = await httpRequest(`http://127.0.0.1:${port}/graphql`, {
    headers: { "content-type": "application/json", "x-taruvi-context": signed },
    body,
  });
  if (res.status !== 200) return `HTTP ${res.status}`;
  return errorCode(res) ?? "ok";
};
const everywhere = (account: Account, organizationId: string) =>
  Promise.all(ports.map((port) => outcomeAt(port, account, organizationId)));

/** Milliseconds from `since` until every process gives `outcome` to `account`. */
const everywhereWithin = (account: Account, organizationId: string, outcome: string, since: number) =>
  everywhereAfter(ports, (port) => outcomeAt(port, account, organizationId), outcome, since);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An organization with an owner and two ADMINs (who may list invitations). */
const organizationOf = async () => {
  const { organization, members } = await organizationWith(t, "OWNER", "ADMIN", "ADMIN");
  const [owner, kept, removed] = members;
  return { organization, owner, kept, removed };
};

describe("organization standing cached in two subgraph processes", () => {
  it("keeps it while the bus is up, and a change made elsewhere holds in both within a second", async () => {
    const { organization, owner, kept, removed } = await organizationOf();
    expect(await everywhere(kept, organization.id)).toEqual(["ok", "ok"]);
    expect(await everywhere(removed, organization.id)).toEqual(["ok", "ok"]);

    // An edit in SQL by hand tells nobody: both processes keep their entries past a second.
    await t.db.pool.query(`UPDATE platform.organization_members SET role = 'MEMBER' WHERE account_id = $1`, [
      kept.id,
    ]);
    await sleep(1_200);
    expect(await everywhere(kept, organization.id)).toEqual(["ok", "ok"]);

    // Through the product (the organizations subgraph of the in-process stack): announced on commit.
    const res = await t.gql("mutation ($o: ID!, $u: ID!) { removeMember(organizationId: $o, userId: $u) }", {
      token: owner.token,
      variables: { o: organization.id, u: removed.id },
    });
    const committed = Date.now();
    expect(res.json.data).toEqual({ removeMember: true });
    expect(await everywhereWithin(removed, organization.id, "NOT_FOUND", committed)).toBeLessThan(1_000);
    // Every standing older than the change is dropped, the one edited by hand too.
    expect(await everywhere(kept, organization.id)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });

  it("while the bus is down, no entry is used more than a second after it was read", async () => {
    const { organization, removed } = await organizationOf();
    expect(await everywhere(removed, organization.id)).toEqual(["ok", "ok"]);
    const read = Date.now();

    await redis.stop();
    // Nothing can announce this change: only the entries' life bounds it.
    await t.db.pool.query(`DELETE FROM platform.organization_members WHERE account_id = $1`, [removed.id]);
    expect(await everywhereWithin(removed, organization.id, "NOT_FOUND", read)).toBeLessThan(1_300);

    await redis.start();
  });
});
