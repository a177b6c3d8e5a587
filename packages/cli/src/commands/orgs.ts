import { createOrganization } from "@taruvi/tenancy";
import { withContext } from "../context";
import { print } from "../output";

export const createOrg = async (input: { slug: string; name: string; ownerEmail: string }): Promise<number> =>
  withContext(async ({ platform }) => {
    const organization = await createOrganization(platform, input);
    print(`created organization ${organization.slug} (${organization.id})`);
    return 0;
  });
