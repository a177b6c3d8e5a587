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
import { connectRedis, type RedisClient } from "@taruvi/redis";
import type { SharedResources } from "@taruvi/runtime";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { IdentityEnv } from "./env";
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

/** A per-key hourly budget: Redis when configured (shared by replicas, memory while it is down). */
const hourlyLimiter = (redis: RedisClient | null, keyPrefix: string, points: number): RateLimiterAbstract => {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 3600 });
  return redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration: 3600,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      })
    : memory;
};

/** Identity's collaborators from its environment; `close` releases what they hold. */
export const createIdentityServices = async (
  env: IdentityEnv,
  { databaseUrl, pool, logger }: Pick<SharedResources, "databaseUrl" | "pool" | "logger">,
): Promise<IdentityServices & { close: () => Promise<void> }> => {
  const keyStore = await loadKeyStore({
    signingKeys: env.SIGNING_KEYS,
    dataDir: env.DATA_DIR,
    production: env.NODE_ENV === "production",
  });
  // A sign-out while Redis is away waits in platform.pending_revocations, not in this process only.
  const revocations = createRevocationList({ redisUrl: env.REDIS_URL, logger, outbox: pool });
  await revocations.ready;
  const jobs = await createJobQueue({ databaseUrl, encryptionKey: env.EMAIL_ENCRYPTION_KEY });
  const connection = env.REDIS_URL ? connectRedis(env.REDIS_URL, { name: "taruvi-identity", logger }) : null;
  const redis = connection?.client ?? null;
  const signInFailures = {
    perEmailAndIp: env.SIGNIN_FAILURES_PER_EMAIL_AND_IP,
    perEmail: env.SIGNIN_FAILURES_PER_EMAIL,
    perIp: env.SIGNIN_FAILURES_PER_IP,
  };
  return {
    keyStore,
    issuer: env.TOKEN_ISSUER,
    revocations,
    jobs,
    platformSignupOpen: env.PLATFORM_SIGNUP,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_DAYS * 86_400,
    refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
    // The successors of refresh tokens are derived from INTERNAL_CONTEXT_SECRET (which production
    // requires), under a label of its own.
    refreshSuccessorKey: refreshSuccessorKey(env.INTERNAL_CONTEXT_SECRET),
    signInFailures,
    signInLimiter: createSignInLimiter({ redis, limits: signInFailures }),
    resetEmailLimiter: hourlyLimiter(redis, "reset-email", env.PASSWORD_RESET_EMAILS_PER_HOUR),
    dummyPasswordHash: await hashPassword(randomBytes(24).toString("base64url")),
    redisUrl: env.REDIS_URL,
    publicUrl: env.PUBLIC_URL,
    close: async () => {
      await jobs.close();
      await revocations.close();
      connection?.close();
    },
  };
};
