import { createOrganization } from "@taruvi/platform";
import { withContext } from "../context";
import { env } from "../env";
import { print } from "../output";

/** The owner's allowance of organizations applies (MAX_ORGANIZATIONS_PER_ACCOUNT; superusers are exempt). */
export const createOrg = async (input: { slug: string; name: string; ownerEmail: string }): Promise<number> =>
  withContext(async ({ platform }) => {
    const organization = await createOrganization(platform, input, {
      maxOrganizations: env.MAX_ORGANIZATIONS_PER_ACCOUNT,
    });
    print(`created organization ${organization.slug} (${organization.id})`);
    return 0;
  });
