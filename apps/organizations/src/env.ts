import { int, string } from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY } from "@taruvi/jobs";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/limits";
import type { ServiceEnv } from "@taruvi/subgraph-kit";

/** Organizations' own variables (beside the subgraph ones: PORT 4002, DATABASE_URL, …). */
export const organizationsEnvShape = {
  /** Base URL of the front-end pages that invitation links point to. */
  PUBLIC_URL: string("http://localhost:5173"),
  /** Seals the bodies of queued invitation emails (their links); the worker holds the same value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
  /** Organizations one account may own (createOrganization); superusers are exempt. */
  MAX_ORGANIZATIONS_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxOrganizations, { min: 0, max: 100_000 }),
};

export type OrganizationsEnv = ServiceEnv<typeof organizationsEnvShape>;
