import { bool, dnsServers, int, loadEnv, nodeEnv, optionalString, string } from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY, emailKeyProblems } from "@taruvi/jobs";

export const workerEnvShape = {
  NODE_ENV: nodeEnv(),
  /** PostgreSQL holding the job queue (schema `pgboss`); unset: the embedded server (development). */
  DATABASE_URL: optionalString(),
  /** `smtp://user:pass@host:587` or `smtps://…`; unset: .eml files under DATA_DIR/mail (development). */
  SMTP_URL: optionalString(),
  MAIL_FROM: string("Taruvi <no-reply@localhost>"),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  /** Retries of a failed send, the first after EMAIL_RETRY_DELAY_SECONDS, then doubling. */
  EMAIL_RETRY_LIMIT: int(5, { min: 0, max: 50 }),
  EMAIL_RETRY_DELAY_SECONDS: int(15, { min: 1, max: 3600 }),
  LOG_LEVEL: string("info"),
  /** Days a deleted site stays restorable; the hourly `sites.purge` job drops it after that. */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  /** Where purged sites and verified or expired domains are announced to the gateways' tenant caches. */
  REDIS_URL: optionalString(),
  /** Opens the sealed bodies of queued emails: the senders' (identity, organizations) value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
  /** `domains.verify` looks up PENDING domains' TXT records; `off` verifies them all (development only). */
  DOMAIN_VERIFICATION: bool(true),
  /** Resolvers for those lookups: comma list of `ip[:port]`; unset: the system's. */
  DNS_SERVERS: dnsServers(),
};

/**
 * Production never falls back to development defaults (embedded database, mail as files, the
 * development email key, custom domains verified without proof).
 */
export const productionProblems = (env: {
  NODE_ENV: string;
  DATABASE_URL?: string | undefined;
  SMTP_URL?: string | undefined;
  EMAIL_ENCRYPTION_KEY: string;
  DOMAIN_VERIFICATION: boolean;
}) => [
  ...(env.NODE_ENV !== "production"
    ? []
    : [
        ...(env.DATABASE_URL ? [] : ["DATABASE_URL: must be set in production"]),
        ...(env.SMTP_URL ? [] : ["SMTP_URL: must be set in production"]),
        ...(env.DOMAIN_VERIFICATION ? [] : ["DOMAIN_VERIFICATION: off is refused in production"]),
      ]),
  ...emailKeyProblems(env),
];

const loaded = loadEnv(workerEnvShape);
const problems = productionProblems(loaded);
if (problems.length > 0) {
  process.stderr.write(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}

/** The only place this app reads process.env. */
export const env = loaded;
