import { randomUUID } from "node:crypto";
import type { platform } from "@taruvi/db";
import {
  createTestAccount,
  createTestDatabase,
  createTestOrganization,
  randomSlug,
  type TestDatabase,
} from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PlatformSql,
  readDomainsById,
  readDomainsBySite,
  readLiveSitesWithDomains,
  readMembersByOrganization,
  readOrganizationBySlug,
  readOrganizationsById,
  readSitesById,
} from "../src/index";

// Each node-postgres read against Prisma's answer for the same rows: the resolvers get one or
// the other, so they must not be told apart (field names, Dates, enums, JSON, nulls, order).

let db: TestDatabase;
/** What `ctx.sql.platform` is to a request: the text, given the quoted schema name, on the pool. */
const sql: PlatformSql = async <Row>(text: (schema: string) => string, values?: unknown[]) =>
  (await db.pool.query(text('"platform"'), values)).rows as Row[];
let organization: platform.Organization;
let other: platform.Organization;
let active: platform.Site;
let suspended: platform.Site;
let deleted: platform.Site;
let bare: platform.Site;
let elsewhere: platform.Site;

const at = (iso: string) => new Date(iso);
const site = (
  organizationId: string,
  slug: string,
  data: Partial<platform.Prisma.SiteUncheckedCreateInput>,
) =>
  db.platform.site.create({
    data: {
      organizationId,
      slug,
      name: `Site ${slug}`,
      schemaName: `site_${randomUUID().replaceAll("-", "")}`,
      ...data,
    },
  });
const domain = (
  siteId: string,
  hostname: string,
  data: Partial<platform.Prisma.DomainUncheckedCreateInput>,
) => db.platform.domain.create({ data: { siteId, hostname, verificationToken: randomUUID(), ...data } });
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

beforeAll(async () => {
  db = await createTestDatabase();
  ({ organization } = await createTestOrganization(db.platform));
  ({ organization: other } = await createTestOrganization(db.platform));
  // Two members who joined at the same moment: the id decides their order.
  const joined = at("2026-01-02T03:04:05.678Z");
  for (const role of ["ADMIN", "MEMBER"] as const) {
    const account = await createTestAccount(db.platform);
    await db.platform.organizationMember.create({
      data: { organizationId: organization.id, accountId: account.id, role, createdAt: joined },
    });
  }
  const prefix = randomSlug("r");
  active = await site(organization.id, `${prefix}-b`, {
    status: "ACTIVE",
    schemaVersion: "0007_files",
    settings: { signUp: { enabled: true }, theme: "dark", limits: [1, 2.5, null], note: "ünïcode" },
  });
  suspended = await site(organization.id, `${prefix}-c`, {
    status: "SUSPENDED",
    schemaVersion: "0007_files",
    migrationError: "relation already exists",
    suspendedAt: at("2026-03-04T05:06:07.089Z"),
  });
  deleted = await site(organization.id, `${prefix}-a`, {
    status: "DELETED",
    suspendedAt: at("2026-03-04T05:06:07.089Z"),
    deletedAt: at("2026-03-05T05:06:07.001Z"),
  });
  // No domains, no schema yet: every nullable column null.
  bare = await site(organization.id, `${prefix}-d`, { status: "PROVISIONING" });
  elsewhere = await site(other.id, `${prefix}-e`, { status: "ACTIVE" });

  await domain(active.id, `www.${prefix}.example`, {
    status: "PENDING",
    expiresAt: at("2026-04-01T00:00:00.000Z"),
  });
  await domain(active.id, `z.${prefix}.example`, {
    isPrimary: true,
    status: "VERIFIED",
    verifiedAt: at("2026-02-01T10:00:00.123Z"),
    checkedAt: at("2026-02-01T10:00:00.120Z"),
  });
  await domain(active.id, `a.${prefix}.example`, {
    status: "PENDING",
    graceUntil: at("2026-05-01T00:00:00.000Z"),
    checkedAt: at("2026-02-02T00:00:00.000Z"),
  });
  await domain(suspended.id, `s.${prefix}.example`, {
    isPrimary: true,
    status: "VERIFIED",
    verifiedAt: new Date(),
  });
  await domain(deleted.id, `d.${prefix}.example`, {});
  await domain(elsewhere.id, `e.${prefix}.example`, { isPrimary: true });
});
afterAll(() => db.drop());

describe("site reads", () => {
  it("readSitesById: every status, all columns as Prisma has them; unknown ids are absent", async () => {
    const ids = [active.id, suspended.id, deleted.id, bare.id, randomUUID()];
    const prisma = await db.platform.site.findMany({ where: { id: { in: ids } } });
    const read = await readSitesById(sql, ids);
    expect(read).toHaveLength(4);
    expect(byId(read)).toStrictEqual(byId(prisma));
    const deletedRead = read.find((s) => s.id === deleted.id);
    expect(deletedRead?.deletedAt).toBeInstanceOf(Date);
    expect(deletedRead?.status).toBe("DELETED");
    expect(read.find((s) => s.id === bare.id)).toMatchObject({ schemaVersion: null, suspendedAt: null });
    expect(read.find((s) => s.id === active.id)?.settings).toStrictEqual(active.settings);
  });

  it("readLiveSitesWithDomains: by slug, DELETED left out, each site's domains primary first then by hostname", async () => {
    const prisma = await db.platform.site.findMany({
      where: { organizationId: { in: [organization.id, other.id] }, status: { not: "DELETED" } },
      orderBy: { slug: "asc" },
      include: { domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] } },
    });
    const read = await readLiveSitesWithDomains(sql, [organization.id, other.id]);
    expect(read).toStrictEqual(prisma.map(({ domains, ...site }) => ({ site, domains })));
    expect(read.map((r) => r.site.id)).toStrictEqual([active.id, suspended.id, bare.id, elsewhere.id]);
    expect(read[0]?.domains.map((d) => d.hostname.split(".")[0])).toStrictEqual(["z", "a", "www"]);
    expect(read.find((r) => r.site.id === bare.id)?.domains).toStrictEqual([]);
    expect(await readLiveSitesWithDomains(sql, [randomUUID()])).toStrictEqual([]);
  });

  it("readDomainsBySite and readDomainsById: as Prisma, in the same order", async () => {
    const siteIds = [active.id, suspended.id, deleted.id, bare.id];
    const prisma = await db.platform.domain.findMany({
      where: { siteId: { in: siteIds } },
      orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }],
    });
    const read = await readDomainsBySite(sql, siteIds);
    expect(read).toHaveLength(5);
    expect(read).toStrictEqual(prisma);
    const ids = [...prisma.map((d) => d.id), randomUUID()];
    expect(byId(await readDomainsById(sql, ids))).toStrictEqual(
      byId(await db.platform.domain.findMany({ where: { id: { in: ids } } })),
    );
  });
});

describe("organization reads", () => {
  it("readOrganizationBySlug and readOrganizationsById: as Prisma; null or absent when unknown", async () => {
    expect(await readOrganizationBySlug(sql, organization.slug)).toStrictEqual(
      await db.platform.organization.findUnique({ where: { slug: organization.slug } }),
    );
    expect(await readOrganizationBySlug(sql, randomSlug("org"))).toBeNull();
    const ids = [organization.id, other.id, randomUUID()];
    const read = await readOrganizationsById(sql, ids);
    expect(read).toHaveLength(2);
    expect(byId(read)).toStrictEqual(
      byId(await db.platform.organization.findMany({ where: { id: { in: ids } } })),
    );
  });

  it("readMembersByOrganization: oldest first, then by id, as Prisma", async () => {
    const ids = [organization.id, other.id];
    const prisma = await db.platform.organizationMember.findMany({
      where: { organizationId: { in: ids } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    const read = await readMembersByOrganization(sql, ids);
    expect(read).toHaveLength(4);
    expect(read).toStrictEqual(prisma);
  });
});

describe("a batch of one id (its own statement: `= $1`, decision 0030)", () => {
  it("answers what a batch of several answers for that id", async () => {
    const only = <T>(rows: T[], keep: (row: T) => boolean) => rows.filter(keep);
    const sites = [active.id, bare.id];
    expect(await readSitesById(sql, [active.id])).toStrictEqual(
      only(await readSitesById(sql, sites), (s) => s.id === active.id),
    );
    expect(await readDomainsBySite(sql, [active.id])).toStrictEqual(
      only(await readDomainsBySite(sql, sites), (d) => d.siteId === active.id),
    );
    const [domain] = await readDomainsBySite(sql, [active.id]);
    expect(await readDomainsById(sql, [domain?.id ?? ""])).toStrictEqual([domain]);
    const organizations = [organization.id, other.id];
    expect(await readLiveSitesWithDomains(sql, [organization.id])).toStrictEqual(
      only(
        await readLiveSitesWithDomains(sql, organizations),
        (r) => r.site.organizationId === organization.id,
      ),
    );
    expect(await readOrganizationsById(sql, [other.id])).toStrictEqual(
      only(await readOrganizationsById(sql, organizations), (o) => o.id === other.id),
    );
    expect(await readMembersByOrganization(sql, [organization.id])).toStrictEqual(
      only(await readMembersByOrganization(sql, organizations), (m) => m.organizationId === organization.id),
    );
    expect(await readSitesById(sql, [randomUUID()])).toStrictEqual([]);
  });
});
