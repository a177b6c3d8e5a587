import type { RedisClient as Redis } from "@taruvi/redis";
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from "rate-limiter-flexible";

/** Which allowance refused a request (the rate-limit metric's `reason`). */
export type RateLimitReason = "address" | "rejected" | "anonymous" | "principal" | "tenant";

export type RateLimitOutcome = {
  allowed: boolean;
  /** The allowance this outcome was decided by. */
  reason: RateLimitReason;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (Retry-After when refused). */
  resetSeconds: number;
};

export type RateLimits = {
  anonymousPerMinute: number;
  principalPerMinute: number;
  tenantPerMinute: number;
  burst: number;
  /** Every request from one address, before any lookup. */
  addressPerMinute?: number;
  /** Refused requests (unknown site, bad credentials) from one address. */
  rejectedPerMinute?: number;
};

export type RateLimiter = {
  /**
   * Before any lookup: one request from `ip` against the address's allowance, refused at once
   * while the address has used up its allowance of refused requests.
   */
  admit: (ip: string) => Promise<RateLimitOutcome>;
  /** A request from `ip` was refused (unknown site, bad credentials): counts against it. */
  reject: (ip: string) => Promise<RateLimitOutcome>;
  /** One request of `principal` (or of `ip` when anonymous) to `tenant` (or the platform). */
  consume: (who: {
    ip: string;
    principal: string | null;
    tenant: string | null;
  }) => Promise<RateLimitOutcome>;
};

const isRejection = (value: unknown): value is RateLimiterRes =>
  typeof value === "object" && value !== null && "msBeforeNext" in value && !(value instanceof Error);

/**
 * rate-limiter-flexible: anonymous callers per IP, signed-in callers per principal, and every
 * tenant as a whole, each a per-minute rate plus a burst allowance (BurstyRateLimiter: once the
 * rate is spent, up to `burst` more per minute are served before 429). Headers report the rate;
 * `remaining` is what is left of the bucket serving the request. Redis when configured (all
 * gateways share the counters; each process's memory while Redis is away), memory otherwise.
 */
export const createRateLimiter = ({
  redis,
  limits,
}: {
  redis: Redis | null;
  limits: RateLimits;
}): RateLimiter => {
  /**
   * Redis when configured, with this process's memory (same points and window) answering while
   * Redis is away: per-process limits instead of failed requests. Memory otherwise.
   */
  const build = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    return redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix,
          points,
          duration: 60,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
  };
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    return limits.burst > 0
      ? (new BurstyRateLimiter(
          build(keyPrefix, points),
          build(`${keyPrefix}:burst`, limits.burst),
        ) as unknown as RateLimiterAbstract)
      : build(keyPrefix, points);
  };
  const addressPerMinute = limits.addressPerMinute ?? 1_200;
  const rejectedPerMinute = limits.rejectedPerMinute ?? 30;
  const address = build("rl:addr", addressPerMinute);
  const rejected = build("rl:rejected", rejectedPerMinute);
  const anonymous = make("rl:ip", limits.anonymousPerMinute);
  const principal = make("rl:principal", limits.principalPerMinute);
  const tenant = make("rl:tenant", limits.tenantPerMinute);

  const attempt = async (
    limiter: RateLimiterAbstract,
    key: string,
    limit: number,
    reason: RateLimitReason,
  ): Promise<RateLimitOutcome> => {
    try {
      const res = await limiter.consume(key);
      return {
        allowed: true,
        reason,
        limit,
        remaining: Math.max(0, res.remainingPoints),
        resetSeconds: Math.ceil(res.msBeforeNext / 1000),
      };
    } catch (error) {
      if (!isRejection(error)) throw error;
      return {
        allowed: false,
        reason,
        limit,
        remaining: 0,
        resetSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
      };
    }
  };

  return {
    admit: async (ip) => {
      // Both in parallel: this runs before every request's lookups.
      const [spent, admitted] = await Promise.all([
        rejected.get(ip),
        attempt(address, ip, addressPerMinute, "address"),
      ]);
      if (spent && spent.consumedPoints >= rejectedPerMinute) {
        return {
          allowed: false,
          reason: "rejected",
          limit: rejectedPerMinute,
          remaining: 0,
          resetSeconds: Math.max(1, Math.ceil(spent.msBeforeNext / 1000)),
        };
      }
      return admitted;
    },
    reject: (ip) => attempt(rejected, ip, rejectedPerMinute, "rejected"),
    consume: async ({ ip, principal: who, tenant: site }) => {
      const caller = who
        ? attempt(principal, who, limits.principalPerMinute, "principal")
        : attempt(anonymous, ip, limits.anonymousPerMinute, "anonymous");
      const [own, shared] = await Promise.all([
        caller,
        site ? attempt(tenant, site, limits.tenantPerMinute, "tenant") : null,
      ]);
      if (shared && !shared.allowed) return shared;
      return own;
    },
  };
};
