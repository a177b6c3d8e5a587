import { hashPassword, parsePassword } from "@taruvi/auth";
import { badUserInput } from "@taruvi/errors";
import {
  createSite,
  listSites,
  PLAN_LIMITS,
  parseDisplayName,
  parseEmail,
  parseSlug,
  purgeDeletedSites,
  seedSiteAdmin,
} from "@taruvi/tenancy";
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
  return withContext(async ({ pool, platform, tenantSets }) => {
    const organization = await platform.organization.findUnique({ where: { slug: orgSlug } });
    if (!organization) throw badUserInput("org", `no organization has the slug "${orgSlug}"`);
    const site = await createSite(
      pool,
      { organizationId: organization.id, slug, name },
      {
        sets: tenantSets,
        maxSites: PLAN_LIMITS[organization.plan].maxSites,
        maxFreeSitesPerAccount: env.MAX_FREE_SITES_PER_ACCOUNT,
        seed: seedSiteAdmin({
          email: adminEmail,
          name: "Site admin",
          passwordHash: await hashPassword(adminPassword),
        }),
      },
    );
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
  withContext(async ({ pool }) => {
    const retentionDays = options.retentionDays ?? env.SITE_RETENTION_DAYS;
    const report = await purgeDeletedSites(pool, { retentionDays, dryRun: options.dryRun });
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
