import { AppError } from "@taruvi/errors";
import type { RedisClient as Redis } from "@taruvi/redis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from "rate-limiter-flexible";

/** Failed sign-ins are counted over this window. */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/** What one password check holds until its outcome is known. */
export type SignInAttempt = {
  /**
   * The password was wrong: the attempt stays counted. True when this failure used up the last
   * attempt of an email (from this address, or from anywhere): the account is now locked out.
   */
  fail: () => Promise<{ lockedOut: boolean }>;
  /** The password was right: the email's counts are cleared and the address's attempt refunded. */
  succeed: () => Promise<void>;
};

export type SignInLimiter = {
  /**
   * Reserves one attempt for `account` (scope and email) from `ip` before any password is
   * checked, or refuses with RATE_LIMITED (and when to retry). Atomic per counter: of N
   * simultaneous attempts no more than the limit get through to a password check.
   */
  reserve: (account: string, ip: string) => Promise<SignInAttempt>;
};

export type SignInLimits = {
  /** Failures per email from one address: tight, this is what stops guessing. */
  perEmailAndIp: number;
  /** Failures per email from anywhere: loose, so an attacker elsewhere cannot lock the user out. */
  perEmail: number;
  /** Failures per address over every email (password spraying). */
  perIp: number;
};

const isRejection = (value: unknown): value is RateLimiterRes =>
  typeof value === "object" && value !== null && "msBeforeNext" in value && !(value instanceof Error);

const limited = (msBeforeNext: number) => {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError(
    "RATE_LIMITED",
    `too many failed sign-ins; try again in ${Math.ceil(seconds / 60)} min`,
    { retryAfterSeconds: seconds },
  );
};

/**
 * Failed sign-ins in a 15-minute window, per (email, address), per email and per address
 * (rate-limiter-flexible): Redis when configured, so every identity replica shares the counts,
 * with this process's memory standing in while Redis is unreachable; memory otherwise.
 */
export const createSignInLimiter = ({
  redis,
  limits,
}: {
  redis: Redis | null;
  limits: SignInLimits;
}): SignInLimiter => {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: SIGN_IN_WINDOW_SECONDS });
    return redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points,
          duration: SIGN_IN_WINDOW_SECONDS,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
  };
  const counters = [
    {
      limiter: make("signin:fail:email-ip", limits.perEmailAndIp),
      key: (a: string, ip: string) => `${a}|${ip}`,
    },
    { limiter: make("signin:fail:email", limits.perEmail), key: (a: string) => a },
    { limiter: make("signin:fail:ip", limits.perIp), key: (_: string, ip: string) => ip },
  ] as const;

  return {
    reserve: async (account, ip) => {
      // The three counters in parallel (one round trip on the sign-in path, not three).
      const outcomes = await Promise.allSettled(
        counters.map(async ({ limiter, key: keyOf }) => {
          const key = keyOf(account, ip);
          return { limiter, key, remaining: (await limiter.consume(key)).remainingPoints };
        }),
      );
      const taken = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const refusals = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      if (refusals.length > 0) {
        // Refused: the attempts taken on the other counters are given back.
        await Promise.all(taken.map((t) => t.limiter.reward(t.key, 1)));
        const error = refusals.find((r) => !isRejection(r));
        if (error) throw error;
        throw limited(Math.max(...refusals.map((r) => (r as RateLimiterRes).msBeforeNext)));
      }
      const [pair, email, address] = taken as [(typeof taken)[0], (typeof taken)[0], (typeof taken)[0]];
      return {
        fail: async () => ({ lockedOut: pair.remaining === 0 || email.remaining === 0 }),
        succeed: async () => {
          await Promise.all([
            pair.limiter.delete(pair.key),
            email.limiter.delete(email.key),
            address.limiter.reward(address.key, 1),
          ]);
        },
      };
    },
  };
};
