import type { SeedSite } from "@taruvi/migrator";
import { quoteSchema } from "@taruvi/tenancy";

export type SiteAdmin = { email: string; name: string; passwordHash: string };

/**
 * The seed that creates a site's first administrator inside the provisioning transaction, so a
 * site is never ACTIVE without one. Inputs are already validated and the password hashed.
 */
export const seedSiteAdmin =
  (admin: SiteAdmin): SeedSite =>
  async (client, site) => {
    await client.query(
      `INSERT INTO ${quoteSchema(site.schema)}.users (email, name, password_hash, is_admin, email_verified_at)
       VALUES ($1, $2, $3, true, now())`,
      [admin.email, admin.name, admin.passwordHash],
    );
  };
