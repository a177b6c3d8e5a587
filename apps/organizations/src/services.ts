import { createJobQueue, type JobQueue } from "@taruvi/jobs";
import type { SharedResources } from "@taruvi/runtime";
import type { OrganizationsEnv } from "./env";

/** The organizations subgraph's long-lived collaborators, on every request's context. */
export type OrganizationsServices = {
  jobs: JobQueue;
  /** Base URL of the front-end pages that invitation links point to. */
  publicUrl: string;
  /** Organizations one account may own (superusers: any number). */
  maxOrganizationsPerAccount: number;
};

export const createOrganizationsServices = async (
  env: OrganizationsEnv,
  { databaseUrl }: Pick<SharedResources, "databaseUrl">,
): Promise<OrganizationsServices & { close: () => Promise<void> }> => {
  const jobs = await createJobQueue({ databaseUrl, encryptionKey: env.EMAIL_ENCRYPTION_KEY });
  return {
    jobs,
    publicUrl: env.PUBLIC_URL,
    maxOrganizationsPerAccount: env.MAX_ORGANIZATIONS_PER_ACCOUNT,
    close: () => jobs.close(),
  };
};
