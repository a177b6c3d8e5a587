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
import { createSignInLimiter, type SignInLimiter } from "./sign-in-limiter";

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
  signInFailures: { perEmail: number; perIp: number };
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
  signInFailuresPerEmail?: number;
  signInFailuresPerIp?: number;
  publicUrl?: string;
  /** EMAIL_ENCRYPTION_KEY: seals queued email bodies; default: the development key. */
  emailEncryptionKey?: string;
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
    perEmail: options.signInFailuresPerEmail ?? 5,
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
    signInLimiter: createSignInLimiter({ redis, ...signInFailures }),
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
