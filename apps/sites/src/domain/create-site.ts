import { hashPassword, parsePassword } from "@taruvi/auth";
import { notFound } from "@taruvi/errors";
import { PLAN_LIMITS } from "@taruvi/limits";
import { createSite as provisionSite, type SeedSite } from "@taruvi/migrator";
import { requireOrganizationPermission, seedSiteAdmin } from "@taruvi/platform";
import { diff, recordAudit } from "@taruvi/subgraph-kit";
import { parseDisplayName, parseEmail, parseSlug, parseUuid } from "@taruvi/validation";
import type { Context } from "../context";
import { requirePlatformScope, superuserCaller } from "./access";
import { announce } from "./announce";

export type CreateSiteInput = {
  organizationId: string;
  name: string;
  slug: string;
  adminEmail: string;
  adminPassword: string;
};

/**
 * Creates a site (`manage_sites` on its organization): its schema, every site migration, its
 * first admin and its `site.created` event in one transaction (ACTIVE on return, or nothing at
 * all), within the organization's plan limit and, in a FREE organization, its owners' allowance
 * of FREE sites (`maxFreeSitesPerAccount`; not for a superuser caller): CONFLICT on `plan`
 * otherwise. The admin's password is never recorded.
 */
export const createSite = async (ctx: Context, input: CreateSiteInput) => {
  requirePlatformScope(ctx);
  const organizationId = parseUuid(input.organizationId, "organizationId");
  const slug = parseSlug(input.slug);
  const name = parseDisplayName(input.name);
  const adminEmail = parseEmail(input.adminEmail, "adminEmail");
  const adminPassword = parsePassword(input.adminPassword, "adminPassword", [adminEmail.split("@")[0] ?? ""]);
  await requireOrganizationPermission(ctx, organizationId, "manage_sites");

  const organization = await ctx.platform.organization.findUnique({
    where: { id: organizationId },
    select: { plan: true },
  });
  if (!organization) throw notFound("organization");
  const seedAdmin = seedSiteAdmin({
    email: adminEmail,
    name: "Site admin",
    passwordHash: await hashPassword(adminPassword),
  });
  // The seed runs on the provisioning transaction's client: the audit event and the services'
  // `created` event commit with the site.
  const seed: SeedSite = async (client, site) => {
    await seedAdmin(client, site);
    await ctx.services.siteEvents.publish(client, { siteId: site.id, slug, schema: site.schema }, "created");
    await recordAudit(
      ctx,
      client,
      {
        action: "site.created",
        entityType: "Site",
        entityId: site.id,
        organizationId,
        siteId: site.id,
        changes: diff(null, { slug, name, status: "ACTIVE", adminEmail }),
      },
      "platform",
    );
  };
  // The owner's connection: the application role may not create a schema.
  const created = await provisionSite(
    ctx.services.ownerPool,
    { organizationId, slug, name },
    {
      sets: ctx.services.tenantSets,
      maxSites: PLAN_LIMITS[organization.plan].maxSites,
      maxFreeSitesPerAccount: superuserCaller(ctx) ? null : ctx.services.maxFreeSitesPerAccount,
      seed,
    },
  );
  // A gateway may hold a negative (or purged site's) lookup of this slug.
  await announce(ctx, [slug]);
  ctx.logger.info({ siteId: created.id, organizationId }, "site created");
  return ctx.platform.site.findUniqueOrThrow({ where: { id: created.id } });
};
