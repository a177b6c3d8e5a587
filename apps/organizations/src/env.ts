import { loadEnv, string } from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY, emailKeyProblems } from "@taruvi/jobs";
import { subgraphEnvShape } from "@taruvi/subgraph-kit";

const loaded = loadEnv({
  ...subgraphEnvShape(4002),
  /** Base URL of the front-end pages that invitation links point to. */
  PUBLIC_URL: string("http://localhost:5173"),
  /** Seals the bodies of queued invitation emails (their links); the worker holds the same value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
});
const problems = emailKeyProblems(loaded);
if (problems.length > 0) {
  process.stderr.write(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}

/** The only place this app reads process.env. */
export const env = loaded;
