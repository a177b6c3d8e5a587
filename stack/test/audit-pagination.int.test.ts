/**
 * Cursor pagination of the audit trail: newest first, ties on the timestamp broken by id, and
 * stable while other clients keep writing — paging through never repeats an event and never
 * skips one that existed when paging began.
 */
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodesOf, readTrail, seedEvents } from "./audit-helpers";
import { createSiteWithAdmin, signedIn, startTestStack, strongPassword, type TestStack } from "./helpers";

let t: TestStack;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>["site"];
let adminToken: string;

beforeAll(async () => {
  t = await startTestStack();
  const owner = await t.db.platform.account.create({
    data: { email: `${randomSlug("owner")}@example.test`, name: "Owner" },
  });
  const organization = await t.db.platform.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Paging Org",
      members: { create: { accountId: owner.id, role: "OWNER" } },
    },
  });
  const made = await createSiteWithAdmin(t, organization.id);
  site = made.site;
  adminToken = (await signedIn(t, made.admin, site.slug)).accessToken;
});
afterAll(() => t.close());

type Page = { ids: string[]; hasNextPage: boolean; endCursor: string | null };

const page = async (args: {
  first: number;
  after?: string | null;
  filter?: Record<string, unknown>;
}): Promise<Page> => {
  const res = await readTrail(t, { tenant: site.slug, token: adminToken, selection: "id", ...args });
  const nodes = nodesOf(res);
  return { ids: nodes.map((n) => n.id), ...res.json.data.auditEvents.pageInfo };
};

/** Every page from the start, `between` awaited after each one. */
const pageThrough = async (
  first: number,
  filter?: Record<string, unknown>,
  between: () => Promise<void> = async () => {},
) => {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    const next: Page = await page({ first, after, ...(filter ? { filter } : {}) });
    pages.push(next);
    after = next.hasNextPage ? next.endCursor : null;
    await between();
  } while (after && pages.length < 1_000);
  return pages;
};

/** Ids of the site's events in the trail's order, read from the database. */
const storedOrder = async (entityType?: string): Promise<string[]> =>
  (
    await t.db.pool.query<{ id: string }>(
      `SELECT id FROM "${site.schemaName}".audit_events
        ${entityType ? "WHERE entity_type = $1" : ""} ORDER BY occurred_at DESC, id DESC`,
      entityType ? [entityType] : [],
    )
  ).rows.map((r) => r.id);

describe("cursor pagination", () => {
  it("pages newest first; events of the same millisecond are ordered by id, none lost at a page edge", async () => {
    const entityType = `Paged${randomSlug("e").slice(2)}`;
    const base = Date.now() - 10_000;
    // 23 events over 5 distinct instants: every page boundary falls inside a tie.
    await seedEvents(
      t,
      site.schemaName,
      Array.from({ length: 23 }, (_, i) => ({ entityType, occurredAt: new Date(base + (i % 5)) })),
    );
    const pages = await pageThrough(4, { entityType });
    expect(pages.map((p) => p.ids.length)).toEqual([4, 4, 4, 4, 4, 3]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, true, true, true, false]);
    expect(pages.flatMap((p) => p.ids)).toEqual(await storedOrder(entityType));
    // The last page's cursor leads to an empty page.
    const beyond = await page({ first: 4, after: pages.at(-1)?.endCursor, filter: { entityType } });
    expect(beyond).toEqual({ ids: [], hasNextPage: false, endCursor: null });
  });

  it("an exact page size ends without a next page", async () => {
    const entityType = `Exact${randomSlug("e").slice(2)}`;
    await seedEvents(
      t,
      site.schemaName,
      Array.from({ length: 6 }, () => ({ entityType })),
    );
    const pages = await pageThrough(3, { entityType });
    expect(pages.map((p) => [p.ids.length, p.hasNextPage])).toEqual([
      [3, true],
      [3, false],
    ]);
  });

  it("stays stable while another client keeps writing: no duplicates, no gaps among the events that existed", async () => {
    // Some history first, through the API, so the trail holds real events of several kinds.
    const createUser = (name: string) =>
      t.gql(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
        tenant: site.slug,
        token: adminToken,
        variables: { input: { email: `${randomSlug("w")}@example.test`, password: strongPassword(), name } },
      });
    const updateUser = (id: string, name: string) =>
      t.gql(`mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`, {
        tenant: site.slug,
        token: adminToken,
        variables: { id, input: { name } },
      });
    const userIds: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const res = await createUser(`History ${i}`);
      expect(res.json.errors).toBeUndefined();
      userIds.push(res.json.data.createUser.id);
    }
    await seedEvents(
      t,
      site.schemaName,
      Array.from({ length: 40 }, (_, i) => ({
        action: "thing.seeded",
        occurredAt: new Date(Date.now() - i),
      })),
    );

    // The writer: two clients creating and renaming users as fast as they can until told to stop.
    let stop = false;
    let writes = 0;
    let failure: string | null = null;
    const writer = async (lane: number) => {
      for (let i = 0; !stop; i += 1) {
        const res =
          i % 2 === 0
            ? await createUser(`Writer ${lane}.${i}`)
            : await updateUser(userIds[i % userIds.length] as string, `Renamed ${lane}.${i}`);
        if (res.json?.errors) {
          failure = res.body;
          stop = true;
        }
        writes += 1;
      }
    };
    const writers = [writer(1), writer(2)];
    // Let the writers start, then snapshot what exists before paging begins.
    while (writes < 2 && !failure) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = await storedOrder();
    const writesBefore = writes;

    // Page through, waiting after each page until at least one more change was written.
    const pages = await pageThrough(7, undefined, async () => {
      const seen = writes;
      while (writes === seen && !failure) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    stop = true;
    await Promise.all(writers);

    expect(failure).toBeNull();
    const paged = pages.flatMap((p) => p.ids);
    expect(writes - writesBefore).toBeGreaterThanOrEqual(pages.length);
    // Events were written while paging (the test exercised what it claims to).
    expect((await storedOrder()).length).toBeGreaterThan(before.length);
    // No duplicates.
    expect(new Set(paged).size).toBe(paged.length);
    // No gaps: every event that existed before paging began was seen, in the stored order.
    const seen = new Set(paged);
    expect(before.filter((id) => !seen.has(id))).toEqual([]);
    expect(paged.filter((id) => before.includes(id))).toEqual(before);
  });
});
