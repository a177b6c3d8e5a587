import { hashPassword } from "@taruvi/auth";
import type { PlatformClient, Pool } from "@taruvi/db";
import { createSite, type MigrationSet } from "@taruvi/migrator";
import { createOrganization, seedSiteAdmin } from "@taruvi/platform";

export const DEMO = {
  organization: "demo",
  site: "acme",
  ownerEmail: "owner@demo.localhost",
  siteAdminEmail: "admin@acme.localhost",
  password: "taruvi-demo-password",
} as const;

/** The demo organization `demo` and site `acme`, each with an admin. Idempotent. */
export const seedDemo = async ({
  pool,
  platform,
  sets,
}: {
  pool: Pool;
  platform: PlatformClient;
  /** Every service's site migrations (loadTenantSets()). */
  sets: readonly MigrationSet[];
}) => {
  const passwordHash = await hashPassword(DEMO.password);
  await platform.account.upsert({
    where: { email: DEMO.ownerEmail },
    update: {},
    create: { email: DEMO.ownerEmail, name: "Demo Owner", passwordHash, emailVerifiedAt: new Date() },
  });
  const organization =
    (await platform.organization.findUnique({ where: { slug: DEMO.organization } })) ??
    (await createOrganization(platform, {
      slug: DEMO.organization,
      name: "Demo",
      ownerEmail: DEMO.ownerEmail,
    }));
  const site = await platform.site.findUnique({ where: { slug: DEMO.site } });
  if (!site) {
    await createSite(
      pool,
      { organizationId: organization.id, slug: DEMO.site, name: "Acme" },
      { sets, seed: seedSiteAdmin({ email: DEMO.siteAdminEmail, name: "Acme Admin", passwordHash }) },
    );
  }
};
