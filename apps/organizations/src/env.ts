import { int, loadEnv, string } from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY, emailKeyProblems } from "@taruvi/jobs";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/tenancy";

const loaded = loadEnv({
  ...subgraphEnvShape(4002),
  /** Base URL of the front-end pages that invitation links point to. */
  PUBLIC_URL: string("http://localhost:5173"),
  /** Seals the bodies of queued invitation emails (their links); the worker holds the same value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
  /** Organizations one account may own (createOrganization); superusers are exempt. */
  MAX_ORGANIZATIONS_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxOrganizations, { min: 0, max: 100_000 }),
});
const problems = emailKeyProblems(loaded);
if (problems.length > 0) {
  process.stderr.write(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}

/** The only place this app reads process.env. */
export const env = loaded;
