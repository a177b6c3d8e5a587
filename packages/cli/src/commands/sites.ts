import { hashPassword, parsePassword } from "@taruvi/auth";
import { badUserInput } from "@taruvi/errors";
import { createSiteEventPublisher } from "@taruvi/jobs";
import { PLAN_LIMITS } from "@taruvi/limits";
import { createSite } from "@taruvi/migrator";
import { listSites, purgeDeletedSites, seedSiteAdmin } from "@taruvi/platform";
import { parseDisplayName, parseEmail, parseSlug } from "@taruvi/validation";
import { withContext } from "../context";
import { env } from "../env";
import { print, printJson, printTable } from "../output";

export type CreateSiteOptions = {
  org: string;
  slug: string;
  name: string;
  adminEmail: string;
  adminPassword: string;
};

/**
 * As the API does: within the organization's plan limit and, in a FREE organization, its owners'
 * allowance of FREE sites (MAX_FREE_SITES_PER_ACCOUNT; owners who are superusers are exempt).
 */
export const createSiteCommand = async (options: CreateSiteOptions): Promise<number> => {
  // Everything the user typed is checked before anything is written.
  const orgSlug = parseSlug(options.org, "org");
  const slug = parseSlug(options.slug);
  const name = parseDisplayName(options.name);
  const adminEmail = parseEmail(options.adminEmail, "adminEmail");
  const adminPassword = parsePassword(options.adminPassword, "adminPassword", [
    adminEmail.split("@")[0] ?? "",
  ]);
  return withContext(async ({ pool, platform, tenantSets, log }) => {
    const organization = await platform.organization.findUnique({ where: { slug: orgSlug } });
    if (!organization) throw badUserInput("org", `no organization has the slug "${orgSlug}"`);
    const siteEvents = await createSiteEventPublisher({ pool, logger: log });
    const seedAdmin = seedSiteAdmin({
      email: adminEmail,
      name: "Site admin",
      passwordHash: await hashPassword(adminPassword),
    });
    const site = await createSite(
      pool,
      { organizationId: organization.id, slug, name },
      {
        sets: tenantSets,
        maxSites: PLAN_LIMITS[organization.plan].maxSites,
        maxFreeSitesPerAccount: env.MAX_FREE_SITES_PER_ACCOUNT,
        // The services' `created` event commits with the site, as through the API.
        seed: async (client, created) => {
          await seedAdmin(client, created);
          await siteEvents.publish(client, { siteId: created.id, slug, schema: created.schema }, "created");
        },
      },
    ).finally(() => siteEvents.close());
    print(
      `created site ${site.slug} (${site.id}) in ${organization.slug}: ${site.status}, schema ${site.schemaName}`,
    );
    print(`site admin: ${adminEmail}`);
    return 0;
  });
};

export const listSitesCommand = async ({ json }: { json: boolean }): Promise<number> =>
  withContext(async ({ platform }) => {
    const sites = await listSites(platform);
    if (json) {
      printJson(sites);
      return 0;
    }
    if (sites.length === 0) {
      print("no sites");
      return 0;
    }
    printTable(
      ["SLUG", "NAME", "STATUS", "ORGANIZATION", "SCHEMA VERSION"],
      sites.map((s) => [s.slug, s.name, s.status, s.organization, s.schemaVersion ?? "-"]),
    );
    return 0;
  });

/**
 * Drops the schema (and the row) of every site deleted more than `retentionDays` ago; with
 * `dryRun`, only lists them. Exit 1 when any site could not be purged (the others are).
 */
export const purgeSitesCommand = async (options: {
  retentionDays?: number | undefined;
  dryRun: boolean;
}): Promise<number> =>
  withContext(async ({ pool, log }) => {
    const retentionDays = options.retentionDays ?? env.SITE_RETENTION_DAYS;
    const siteEvents = await createSiteEventPublisher({ pool, logger: log });
    // Each purged site's `purged` event (the services' hooks) commits with its purge, as in the worker.
    const report = await purgeDeletedSites(pool, {
      retentionDays,
      dryRun: options.dryRun,
      onPurged: async (client, site) => {
        await siteEvents.publish(client, { siteId: site.id, slug: site.slug, schema: site.schema }, "purged");
      },
    }).finally(() => siteEvents.close());
    const verb = options.dryRun ? "would purge" : "purged";
    for (const site of report.sites) print(`${verb} site ${site.slug} (${site.id}): schema ${site.schema}`);
    for (const failure of report.failed) {
      process.stderr.write(`error: site ${failure.slug} (${failure.siteId}) not purged: ${failure.error}\n`);
    }
    if (report.sites.length === 0 && report.failed.length === 0) {
      print(`no site was deleted more than ${retentionDays} days ago`);
    }
    return report.failed.length > 0 ? 1 : 0;
  });
