import {
  bool,
  deployableEnvShape,
  dnsServers,
  int,
  loadDeployableEnv,
  number,
  optionalString,
  string,
} from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY, emailKeyProblems } from "@taruvi/jobs";

// The worker serves no GraphQL and signs no subgraph context: every deployable variable but PORT,
// INTERNAL_CONTEXT_SECRET and SHUTDOWN_DELAY_MS (no traffic to turn away first). HOST stays: its
// metrics endpoint (METRICS_PORT, default 9463) listens there.
const {
  PORT: _port,
  INTERNAL_CONTEXT_SECRET: _secret,
  SHUTDOWN_DELAY_MS: _delay,
  ...deployable
} = deployableEnvShape({ port: 0, poolSize: 2 });

/**
 * The only place the worker reads process.env: DATABASE_URL (the job queue, schema `pgboss`, and
 * the platform), REDIS_URL (where purged sites and verified or expired domains are announced to
 * the gateways' tenant caches), … and its own.
 */
export const workerEnvShape = {
  ...deployable,
  /** `smtp://user:pass@host:587` or `smtps://…`; unset: .eml files under DATA_DIR/mail (development). */
  SMTP_URL: optionalString(),
  MAIL_FROM: string("Taruvi <no-reply@localhost>"),
  /** Retries of a failed send, the first after EMAIL_RETRY_DELAY_SECONDS, then doubling. */
  EMAIL_RETRY_LIMIT: int(5, { min: 0, max: 50 }),
  EMAIL_RETRY_DELAY_SECONDS: int(15, { min: 1, max: 3600 }),
  /**
   * The whole stop on SIGTERM: longer than the other deployables' because the job in hand gets
   * pg-boss's 30 s to finish before it is failed and retried (worker.yaml allows 40 s).
   */
  SHUTDOWN_TIMEOUT_MS: int(35_000, { min: 1_000, max: 600_000 }),
  /** How often an idle worker looks for jobs (pg-boss allows 0.5 s at least). */
  JOB_POLLING_INTERVAL_SECONDS: number(2, { min: 0.5, max: 60 }),
  /** Days a deleted site stays restorable; the hourly `sites.purge` job drops it after that. */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  /** Opens the sealed bodies of queued emails: the senders' (identity, organizations) value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
  /** `domains.verify` looks up PENDING domains' TXT records; `off` verifies them all (development only). */
  DOMAIN_VERIFICATION: bool(true),
  /** Resolvers for those lookups: comma list of `ip[:port]`; unset: the system's. */
  DNS_SERVERS: dnsServers(),
  /**
   * The owner role (docs/decisions/0022-database-roles.md): `sites.purge` drops schemas on a pool
   * of one connection here; everything else uses DATABASE_URL. Unset: DATABASE_URL for both.
   */
  MIGRATION_DATABASE_URL: optionalString(),
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

export type WorkerEnv = ReturnType<typeof loadWorkerEnv>;

export const loadWorkerEnv = (source: Record<string, string | undefined> = process.env) =>
  loadDeployableEnv(workerEnvShape, source, productionProblems);
