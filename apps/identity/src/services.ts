import { randomBytes } from "node:crypto";
import {
  createRevocationList,
  hashPassword,
  type KeyStore,
  loadKeyStore,
  type RevocationList,
  refreshSuccessorKey,
} from "@taruvi/auth";
import { createJobQueue, type JobQueue } from "@taruvi/jobs";
import { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { createSignInLimiter, type SignInLimiter, type SignInLimits } from "./sign-in-limiter";

/** The identity subgraph's long-lived collaborators, on every request's context as `services`. */
export type IdentityServices = {
  keyStore: KeyStore;
  issuer: string;
  revocations: RevocationList;
  jobs: JobQueue;
  platformSignupOpen: boolean;
  refreshTokenTtlSeconds: number;
  /**
   * How long after a rotation the same refresh token still refreshes (to the same successor):
   * two tabs refreshing at once both keep the session. 0: every second use is theft.
   */
  refreshReuseGraceSeconds: number;
  /** Derives each refresh token's successor from the token (HMAC), so nothing readable is stored. */
  refreshSuccessorKey: Uint8Array;
  signInFailures: SignInLimits;
  /** Password-reset emails per recipient and hour (anonymous requestPasswordReset). */
  resetEmailLimiter: RateLimiterAbstract;
  /** Failed sign-ins per (scope, email) and per IP. */
  signInLimiter: SignInLimiter;
  /** An argon2id hash of a random password: verified against when an email is unknown, so both take as long. */
  dummyPasswordHash: string;
  redisUrl: string | undefined;
  publicUrl: string;
};

export type IdentityServiceOptions = {
  databaseUrl: string;
  redisUrl?: string | undefined;
  signingKeys?: string | undefined;
  dataDir: string;
  production: boolean;
  issuer?: string;
  platformSignupOpen?: boolean;
  refreshTokenTtlDays?: number;
  refreshReuseGraceSeconds?: number;
  /**
   * The server secret refresh-token successors are derived from (≥ 32 bytes; identity passes
   * INTERNAL_CONTEXT_SECRET, which production requires, under a label of its own).
   */
  successorSecret: string;
  /** Failed sign-ins per email from one address (15 minutes). */
  signInFailuresPerEmailAndIp?: number;
  /** Failed sign-ins per email from anywhere: looser, so nobody elsewhere can lock a user out. */
  signInFailuresPerEmail?: number;
  signInFailuresPerIp?: number;
  /** Password-reset emails one address may receive per hour (default 3). */
  passwordResetEmailsPerHour?: number;
  publicUrl?: string;
  /** EMAIL_ENCRYPTION_KEY: seals queued email bodies; default: the development key. */
  emailEncryptionKey?: string;
};

/** A per-key hourly budget: Redis when configured (shared by replicas, memory while it is down). */
const hourlyLimiter = (redis: Redis | null, keyPrefix: string, points: number): RateLimiterAbstract => {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 3600 });
  return redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration: 3600,
        insuranceLimiter: memory,
      })
    : memory;
};

export const createIdentityServices = async (
  options: IdentityServiceOptions,
): Promise<IdentityServices & { close: () => Promise<void> }> => {
  const keyStore = await loadKeyStore({
    signingKeys: options.signingKeys,
    dataDir: options.dataDir,
    production: options.production,
  });
  const revocations = createRevocationList({ redisUrl: options.redisUrl });
  await revocations.ready;
  const jobs = await createJobQueue({
    databaseUrl: options.databaseUrl,
    ...(options.emailEncryptionKey ? { encryptionKey: options.emailEncryptionKey } : {}),
  });
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 2 }) : null;
  const signInFailures = {
    perEmailAndIp: options.signInFailuresPerEmailAndIp ?? 5,
    perEmail: options.signInFailuresPerEmail ?? 50,
    perIp: options.signInFailuresPerIp ?? 50,
  };
  return {
    keyStore,
    issuer: options.issuer ?? "taruvi",
    revocations,
    jobs,
    platformSignupOpen: options.platformSignupOpen ?? true,
    refreshTokenTtlSeconds: (options.refreshTokenTtlDays ?? 30) * 86_400,
    refreshReuseGraceSeconds: options.refreshReuseGraceSeconds ?? 5,
    refreshSuccessorKey: refreshSuccessorKey(options.successorSecret),
    signInFailures,
    signInLimiter: createSignInLimiter({ redis, limits: signInFailures }),
    resetEmailLimiter: hourlyLimiter(redis, "reset-email", options.passwordResetEmailsPerHour ?? 3),
    dummyPasswordHash: await hashPassword(randomBytes(24).toString("base64url")),
    redisUrl: options.redisUrl,
    publicUrl: options.publicUrl ?? "http://localhost:5173",
    close: async () => {
      await jobs.close();
      await revocations.close();
      redis?.disconnect();
    },
  };
};
