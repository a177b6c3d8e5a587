import { createJobQueue, type JobQueue } from "@taruvi/jobs";

/** The organizations subgraph's long-lived collaborators, on every request's context. */
export type OrganizationsServices = {
  jobs: JobQueue;
  /** Base URL of the front-end pages that invitation links point to. */
  publicUrl: string;
};

export const createOrganizationsServices = async (options: {
  databaseUrl: string;
  publicUrl?: string;
  /** EMAIL_ENCRYPTION_KEY: seals queued invitation emails; default: the development key. */
  emailEncryptionKey?: string;
}): Promise<OrganizationsServices & { close: () => Promise<void> }> => {
  const jobs = await createJobQueue({
    databaseUrl: options.databaseUrl,
    ...(options.emailEncryptionKey ? { encryptionKey: options.emailEncryptionKey } : {}),
  });
  return {
    jobs,
    publicUrl: options.publicUrl ?? "http://localhost:5173",
    close: () => jobs.close(),
  };
};
