import { hashPassword } from "@taruvi/auth";
import { createPlatformClient, type Pool } from "@taruvi/db";
import {
  createSite,
  defaultMigrationsDirs,
  installJobQueue,
  loadMigrations,
  loadTenantSets,
  migratePlatform,
} from "@taruvi/migrator";
import { createOrganization, newDomainVerificationToken, seedSiteAdmin } from "@taruvi/platform";
import { quoteSchema } from "@taruvi/tenancy";

export type BenchWorld = {
  organization: { id: string; slug: string };
  /** The owner and the other members, oldest membership first. */
  members: { id: string; email: string; role: "OWNER" | "ADMIN" | "MEMBER" }[];
  owner: { id: string; email: string };
  site: { id: string; slug: string; schema: string; domains: string[] };
  /** The site's first admin (a user of the site's own schema). */
  siteUser: { id: string; email: string };
};

const PASSWORD = "bench-gateway-password-1";

/**
 * Migrates the platform schema and installs the job queue's (as `taruvi migrate` does), then seeds what the two queries read: an organization with an
 * owner and two more members, and one ACTIVE site (its schema and first admin) with three domains.
 */
export const seedWorld = async (pool: Pool): Promise<BenchWorld> => {
  await migratePlatform(pool, loadMigrations(defaultMigrationsDirs.platform));
  await installJobQueue(pool);
  const platform = createPlatformClient(pool);
  try {
    const passwordHash = await hashPassword(PASSWORD);
    const account = (email: string, name: string) =>
      platform.account.create({
        data: { email, name, passwordHash, emailVerifiedAt: new Date() },
        select: { id: true, email: true },
      });
    const owner = await account("owner@bench.example.test", "Bench Owner");
    const admin = await account("admin@bench.example.test", "Bench Admin");
    const member = await account("member@bench.example.test", "Bench Member");

    const organization = await createOrganization(platform, {
      slug: "bench-org",
      name: "Bench Organization",
      ownerEmail: owner.email,
    });
    await platform.organizationMember.create({
      data: { organizationId: organization.id, accountId: admin.id, role: "ADMIN" },
    });
    await platform.organizationMember.create({
      data: { organizationId: organization.id, accountId: member.id, role: "MEMBER" },
    });

    const siteAdminEmail = "admin@bench-site.example.test";
    const site = await createSite(
      pool,
      { organizationId: organization.id, slug: "bench-site", name: "Bench Site" },
      {
        sets: loadTenantSets(),
        seed: seedSiteAdmin({ email: siteAdminEmail, name: "Bench Site Admin", passwordHash }),
      },
    );
    const domains = [
      "bench-site.example.test",
      "www.bench-site.example.test",
      "shop.bench-site.example.test",
    ];
    await platform.domain.createMany({
      data: domains.map((hostname, index) => ({
        siteId: site.id,
        hostname,
        isPrimary: index === 0,
        status: "VERIFIED" as const,
        verificationToken: newDomainVerificationToken(),
      })),
    });
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM ${quoteSchema(site.schemaName)}.users WHERE email = $1`,
      [siteAdminEmail],
    );
    const siteUserId = rows[0]?.id;
    if (!siteUserId) throw new Error("the site admin was not seeded");

    return {
      organization: { id: organization.id, slug: organization.slug },
      members: [
        { ...owner, role: "OWNER" },
        { ...admin, role: "ADMIN" },
        { ...member, role: "MEMBER" },
      ],
      owner,
      site: { id: site.id, slug: site.slug, schema: site.schemaName, domains },
      siteUser: { id: siteUserId, email: siteAdminEmail },
    };
  } finally {
    await platform.$disconnect();
  }
};
