import { createJobQueue, type JobQueue } from "@taruvi/jobs";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/tenancy";

/** The organizations subgraph's long-lived collaborators, on every request's context. */
export type OrganizationsServices = {
  jobs: JobQueue;
  /** Base URL of the front-end pages that invitation links point to. */
  publicUrl: string;
  /** Organizations one account may own (superusers: any number). */
  maxOrganizationsPerAccount: number;
};

export const createOrganizationsServices = async (options: {
  databaseUrl: string;
  publicUrl?: string;
  /** EMAIL_ENCRYPTION_KEY: seals queued invitation emails; default: the development key. */
  emailEncryptionKey?: string;
  maxOrganizationsPerAccount?: number;
}): Promise<OrganizationsServices & { close: () => Promise<void> }> => {
  const jobs = await createJobQueue({
    databaseUrl: options.databaseUrl,
    ...(options.emailEncryptionKey ? { encryptionKey: options.emailEncryptionKey } : {}),
  });
  return {
    jobs,
    publicUrl: options.publicUrl ?? "http://localhost:5173",
    maxOrganizationsPerAccount: options.maxOrganizationsPerAccount ?? DEFAULT_ACCOUNT_LIMITS.maxOrganizations,
    close: () => jobs.close(),
  };
};
