import { bool, int, optionalString, string } from "@taruvi/config";
import { DEV_EMAIL_ENCRYPTION_KEY } from "@taruvi/jobs";
import type { ServiceEnv } from "@taruvi/subgraph-kit";

/**
 * Identity's own variables (beside the subgraph ones: PORT 4001, DATABASE_URL, REDIS_URL for
 * revocations and sign-in counters, …). The only place identity's defaults live.
 */
export const identityEnvShape = {
  /** Ed25519 private keys (JSON JWKs or PEM); development generates one under DATA_DIR. */
  SIGNING_KEYS: optionalString(),
  TOKEN_ISSUER: string("taruvi"),
  /** Whether anyone may create a platform account with signUp. */
  PLATFORM_SIGNUP: bool(true),
  REFRESH_TOKEN_TTL_DAYS: int(30, { min: 1, max: 365 }),
  /** Seconds after a refresh in which the same refresh token refreshes again (two tabs); 0: never. */
  REFRESH_REUSE_GRACE_SECONDS: int(5, { min: 0, max: 60 }),
  /**
   * Failed sign-ins allowed in 15 minutes: per scope and email from one client address (tight),
   * per scope and email from anywhere (loose: nobody elsewhere can lock a user out with a few
   * wrong passwords) and per client address over every email.
   */
  SIGNIN_FAILURES_PER_EMAIL_AND_IP: int(5, { min: 1 }),
  SIGNIN_FAILURES_PER_EMAIL: int(50, { min: 1 }),
  SIGNIN_FAILURES_PER_IP: int(50, { min: 1 }),
  /** Password-reset emails one address may receive per hour; more requests are answered alike. */
  PASSWORD_RESET_EMAILS_PER_HOUR: int(3, { min: 1, max: 100 }),
  /** Base URL of the front-end pages that links in emails point to. */
  PUBLIC_URL: string("http://localhost:5173"),
  /** Seals the bodies of queued emails (their links); the worker holds the same value. */
  EMAIL_ENCRYPTION_KEY: string(DEV_EMAIL_ENCRYPTION_KEY),
};

export type IdentityEnv = ServiceEnv<typeof identityEnvShape>;
