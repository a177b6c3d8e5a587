import { assertMemberCapacity, PLAN_LIMITS } from "@taruvi/limits";
import {
  createTestAccount,
  createTestDatabase,
  createTestOrganization,
  type TestDatabase,
} from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganization,
  expireInvitations,
  INVITATION_RETENTION_MS,
  invitationStatus,
} from "../src/index";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const DAY = 24 * 60 * 60 * 1000;
let hashes = 0;
const invite = (
  organizationId: string,
  expiresAt: Date,
  extra: { acceptedAt?: Date; revokedAt?: Date } = {},
) =>
  db.platform.invitation.create({
    data: {
      organizationId,
      email: `invitee${++hashes}@example.test`,
      tokenHash: `${Date.now()}-${hashes}-${Math.random()}`,
      expiresAt,
      ...extra,
    },
  });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { code?: string; field?: string; message?: string }) => error,
  );
const addMembers = async (organizationId: string, count: number) => {
  for (let i = 0; i < count; i++) {
    const account = await createTestAccount(db.platform);
    await db.platform.organizationMember.create({ data: { organizationId, accountId: account.id } });
  }
};

describe("PLAN_LIMITS", () => {
  it("is FREE 1/5/2, PRO 10/50/20, ENTERPRISE unlimited sites and members, 100 domains per site", () => {
    expect(PLAN_LIMITS).toEqual({
      FREE: { maxSites: 1, maxMembers: 5, maxDomainsPerSite: 2 },
      PRO: { maxSites: 10, maxMembers: 50, maxDomainsPerSite: 20 },
      ENTERPRISE: { maxSites: null, maxMembers: null, maxDomainsPerSite: 100 },
    });
  });
});

describe("assertMemberCapacity", () => {
  it("counts members and pending invitations, not expired, revoked or accepted ones", async () => {
    const { organization } = await createTestOrganization(db.platform); // 1 member: the owner
    await addMembers(organization.id, 2);
    const pending = await invite(organization.id, new Date(Date.now() + DAY));
    await invite(organization.id, new Date(Date.now() - 1000));
    await invite(organization.id, new Date(Date.now() + DAY), { revokedAt: new Date() });
    await invite(organization.id, new Date(Date.now() + DAY), { acceptedAt: new Date() });
    // 3 members + 1 pending = 4 of 5: one more fits.
    await expect(assertMemberCapacity(db.platform, organization.id)).resolves.toBeUndefined();
    await invite(organization.id, new Date(Date.now() + DAY));
    expect(await errorOf(assertMemberCapacity(db.platform, organization.id))).toMatchObject({
      code: "CONFLICT",
      field: "plan",
      message: "plan: the FREE plan allows 5 members; upgrade to add more",
    });
    // An invitation being re-sent is already counted.
    await expect(
      assertMemberCapacity(db.platform, organization.id, { exceptInvitationId: pending.id }),
    ).resolves.toBeUndefined();
    await db.platform.organization.update({ where: { id: organization.id }, data: { plan: "ENTERPRISE" } });
    await expect(assertMemberCapacity(db.platform, organization.id)).resolves.toBeUndefined();
  });

  it("holds under concurrency: of five inserts racing for the last two seats, two win", async () => {
    const { organization } = await createTestOrganization(db.platform);
    await addMembers(organization.id, 2); // 3 of 5
    const attempt = () =>
      db.platform.$transaction(async (tx) => {
        await assertMemberCapacity(tx, organization.id);
        await tx.invitation.create({
          data: {
            organizationId: organization.id,
            email: `race${++hashes}@example.test`,
            tokenHash: `race-${hashes}-${Math.random()}`,
            expiresAt: new Date(Date.now() + DAY),
          },
        });
      });
    const results = await Promise.allSettled([attempt(), attempt(), attempt(), attempt(), attempt()]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT", field: "plan" });
    }
  });

  it("NOT_FOUND for an unknown organization", async () => {
    expect(await errorOf(assertMemberCapacity(db.platform, crypto.randomUUID()))).toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("expireInvitations", () => {
  it("deletes invitations expired more than 30 days ago, whatever their state, and counts them", async () => {
    const { organization } = await createTestOrganization(db.platform);
    const now = new Date();
    const old = new Date(now.getTime() - INVITATION_RETENTION_MS - 1000);
    const gone = [
      await invite(organization.id, old),
      await invite(organization.id, old, { acceptedAt: old }),
      await invite(organization.id, old, { revokedAt: old }),
    ];
    const kept = [
      await invite(organization.id, new Date(now.getTime() - DAY)), // expired recently: still "expired"
      await invite(organization.id, new Date(now.getTime() + DAY)), // pending
    ];
    expect(await expireInvitations(db.platform, now)).toBe(3);
    const left = await db.platform.invitation.findMany({ where: { organizationId: organization.id } });
    expect(left.map((row) => row.id).sort()).toEqual(kept.map((row) => row.id).sort());
    expect(gone.every((row) => !left.some((l) => l.id === row.id))).toBe(true);
    expect(invitationStatus(kept[0] as (typeof kept)[number], now)).toBe("EXPIRED");
    expect(invitationStatus(kept[1] as (typeof kept)[number], now)).toBe("PENDING");
    expect(await expireInvitations(db.platform, now)).toBe(0);
  });
});

describe("createOrganization", () => {
  it("takes the owner by id as well as by email", async () => {
    const owner = await createTestAccount(db.platform);
    const slug = `org-${Math.random().toString(36).slice(2, 10)}`;
    const organization = await createOrganization(db.platform, { slug, name: " By Id ", ownerId: owner.id });
    expect(organization).toMatchObject({ slug, name: "By Id", plan: "FREE" });
    const members = await db.platform.organizationMember.findMany({
      where: { organizationId: organization.id },
    });
    expect(members).toMatchObject([{ accountId: owner.id, role: "OWNER" }]);
    expect(
      await errorOf(createOrganization(db.platform, { slug, name: "Again", ownerEmail: owner.email })),
    ).toMatchObject({ code: "CONFLICT", field: "slug" });
  });
});
