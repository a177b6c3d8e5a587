import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildOrganizationsSubgraph } from "./server";
import { createOrganizationsServices } from "./services";

await bootSubgraph({
  name: "organizations",
  env,
  build: async (deps, database) => {
    const services = await createOrganizationsServices({
      databaseUrl: database.url,
      publicUrl: env.PUBLIC_URL,
      emailEncryptionKey: env.EMAIL_ENCRYPTION_KEY,
      maxOrganizationsPerAccount: env.MAX_ORGANIZATIONS_PER_ACCOUNT,
    });
    return { subgraph: await buildOrganizationsSubgraph(deps, services), close: services.close };
  },
});
