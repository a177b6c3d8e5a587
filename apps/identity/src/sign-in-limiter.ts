import { AppError } from "@taruvi/errors";
import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from "rate-limiter-flexible";

/** Failed sign-ins are counted over this window. */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

export type SignInLimiter = {
  /** RATE_LIMITED when `account` (scope and email) or `ip` has failed too often lately. */
  check: (account: string, ip: string) => Promise<void>;
  /** Counts one failed attempt against both. */
  fail: (account: string, ip: string) => Promise<void>;
  /** A successful sign-in clears the account's count (not the IP's). */
  succeed: (account: string) => Promise<void>;
};

const isRejection = (value: unknown): value is RateLimiterRes =>
  typeof value === "object" && value !== null && "msBeforeNext" in value && !(value instanceof Error);

/**
 * Failed sign-ins per (scope, email) and per client IP in a 15-minute window
 * (rate-limiter-flexible): Redis when configured, so every identity replica shares the counts;
 * memory otherwise.
 */
export const createSignInLimiter = ({
  redis,
  perEmail,
  perIp,
}: {
  redis: Redis | null;
  perEmail: number;
  perIp: number;
}): SignInLimiter => {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: SIGN_IN_WINDOW_SECONDS });
    // While Redis is unreachable, this process's own counts stand in (sign-in keeps working).
    return redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points,
          duration: SIGN_IN_WINDOW_SECONDS,
          insuranceLimiter: memory,
        })
      : memory;
  };
  const byEmail = make("signin:fail:email", perEmail);
  const byIp = make("signin:fail:ip", perIp);

  const waitOf = async (limiter: RateLimiterAbstract, key: string, points: number) => {
    const res = await limiter.get(key);
    return res && res.consumedPoints >= points ? res.msBeforeNext : 0;
  };
  const count = async (limiter: RateLimiterAbstract, key: string) => {
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!isRejection(error)) throw error;
    }
  };

  return {
    check: async (account, ip) => {
      const waits = await Promise.all([waitOf(byEmail, account, perEmail), waitOf(byIp, ip, perIp)]);
      const wait = Math.max(...waits);
      if (wait > 0) {
        const minutes = Math.max(1, Math.ceil(wait / 60_000));
        throw new AppError("RATE_LIMITED", `too many failed sign-ins; try again in ${minutes} min`);
      }
    },
    fail: async (account, ip) => {
      await Promise.all([count(byEmail, account), count(byIp, ip)]);
    },
    succeed: async (account) => {
      await byEmail.delete(account);
    },
  };
};
