import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createSignInLimiter } from "../src/sign-in-limiter";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
afterAll(() => redis.disconnect());

const refusal = (attempt: Promise<void>) =>
  attempt.then(
    () => null,
    (error: { code?: string }) => error.code ?? "error",
  );

describe.each([
  ["memory", null],
  ["Redis", redis],
] as const)("failed sign-ins (%s)", (_, store) => {
  const limiter = createSignInLimiter({ redis: store, perEmail: 2, perIp: 4 });

  it("blocks an email after its limit, leaves other emails alone, and a success resets it", async () => {
    // Random keys: the Redis counters are shared with every other run.
    const ip = `ip-${randomUUID()}`;
    const email = `platform:${randomUUID()}@example.test`;
    expect(await refusal(limiter.check(email, ip))).toBeNull();
    await limiter.fail(email, ip);
    expect(await refusal(limiter.check(email, ip))).toBeNull();
    await limiter.succeed(email);
    await limiter.fail(email, ip);
    await limiter.fail(email, ip);
    expect(await refusal(limiter.check(email, ip))).toBe("RATE_LIMITED");
    expect(await refusal(limiter.check(`platform:${randomUUID()}@example.test`, ip))).toBeNull();
    await limiter.succeed(email);
    expect(await refusal(limiter.check(email, ip))).toBeNull();
  });

  it("blocks an IP after its limit, whatever the email", async () => {
    const attacker = `ip-${randomUUID()}`;
    const someone = () => `site:x:${randomUUID()}@example.test`;
    for (let i = 0; i < 3; i += 1) await limiter.fail(someone(), attacker);
    expect(await refusal(limiter.check(someone(), attacker))).toBeNull();
    await limiter.fail(someone(), attacker);
    expect(await refusal(limiter.check(someone(), attacker))).toBe("RATE_LIMITED");
    expect(await refusal(limiter.check(someone(), `ip-${randomUUID()}`))).toBeNull();
  });
});
