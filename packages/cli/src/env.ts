import { int, loadEnv, optionalString, string } from "@taruvi/config";
import { DEFAULT_ACCOUNT_LIMITS } from "@taruvi/limits";

/** The only place the CLI reads process.env. */
export const env = loadEnv({
  /** PostgreSQL to manage; unset: the embedded server under DATA_DIR (started when needed). */
  DATABASE_URL: optionalString(),
  /**
   * The owner role's connection (docs/decisions/0022-database-roles.md): every command uses it
   * when set (migrations, provisioning, purge, service removal need the owner); else DATABASE_URL.
   */
  MIGRATION_DATABASE_URL: optionalString(),
  /** `db roles`: a superuser connection that creates the roles; unset: DATABASE_URL. */
  DATABASE_ADMIN_URL: optionalString(),
  DATA_DIR: string(".data"),
  EMBEDDED_POSTGRES_PORT: int(5433, { min: 1, max: 65535 }),
  LOG_LEVEL: string("warn"),
  /** `sites purge`: days a deleted site stays restorable (the default of --retention-days). */
  SITE_RETENTION_DAYS: int(30, { min: 0, max: 3650 }),
  /**
   * `migrate`: days custom domains from before verification keep routing while PENDING (read
   * once, when migration 20261202170000_domain_verification runs).
   */
  DOMAIN_GRACE_DAYS: int(14, { min: 0, max: 365 }),
  /** Override the migration folders (tests, or a release that ships them elsewhere). */
  PLATFORM_MIGRATIONS_DIR: optionalString(),
  /** The core's site migrations (prisma/tenant/migrations); the services' come from the registry. */
  TENANT_MIGRATIONS_DIR: optionalString(),
  /** The root whose services/registry.json lists the services (tests, or a release laid out elsewhere). */
  SERVICES_ROOT: optionalString(),
  /** `orgs create`: organizations the owner may own, as the API enforces it (superusers: any number). */
  MAX_ORGANIZATIONS_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxOrganizations, { min: 0, max: 100_000 }),
  /** `sites create`: live sites an owner may have across FREE organizations (superusers: any number). */
  MAX_FREE_SITES_PER_ACCOUNT: int(DEFAULT_ACCOUNT_LIMITS.maxFreeSites, { min: 0, max: 100_000 }),
  /** Production signing keys; `keys … --print` start from them (never changed in place). */
  SIGNING_KEYS: optionalString(),
});
