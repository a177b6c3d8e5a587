import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createSignInLimiter } from "../src/sign-in-limiter";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
afterAll(() => redis.disconnect());

/** The code a reservation is refused with, or null when it got an attempt (then failed it). */
const failOnce = async (limiter: ReturnType<typeof createSignInLimiter>, account: string, ip: string) => {
  try {
    const attempt = await limiter.reserve(account, ip);
    return { refused: null, ...(await attempt.fail()) };
  } catch (error) {
    return { refused: (error as { code?: string }).code ?? "error", lockedOut: false };
  }
};

// Random keys throughout: the Redis counters are shared with every other run.
const someEmail = () => `platform:${randomUUID()}@example.test`;
const someIp = () => `ip-${randomUUID()}`;

describe.each([
  ["memory", null],
  ["Redis", redis],
] as const)("failed sign-ins (%s)", (_, store) => {
  const limiter = createSignInLimiter({ redis: store, limits: { perEmailAndIp: 2, perEmail: 4, perIp: 6 } });

  it("reserves atomically: of 10 simultaneous attempts from one address only the limit get through", async () => {
    const email = someEmail();
    const ip = someIp();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => failOnce(limiter, email, ip)));
    expect(outcomes.filter((o) => o.refused === null)).toHaveLength(2);
    expect(outcomes.filter((o) => o.refused === "RATE_LIMITED")).toHaveLength(8);
    // The failure that used up the last attempt says so (once).
    expect(outcomes.filter((o) => o.lockedOut)).toHaveLength(1);
  });

  it("an attacker at another address cannot lock the user out at hers", async () => {
    const email = someEmail();
    const attacker = someIp();
    for (let i = 0; i < 3; i += 1) await failOnce(limiter, email, attacker);
    expect((await failOnce(limiter, email, attacker)).refused).toBe("RATE_LIMITED");
    const attempt = await limiter.reserve(email, someIp());
    await attempt.succeed();
  });

  it("per email from everywhere, more loosely; a success clears the email's counts", async () => {
    const email = someEmail();
    for (let i = 0; i < 4; i += 1) expect((await failOnce(limiter, email, someIp())).refused).toBeNull();
    expect((await failOnce(limiter, email, someIp())).refused).toBe("RATE_LIMITED");
    const other = someEmail();
    await failOnce(limiter, other, someIp());
    await (await limiter.reserve(other, someIp())).succeed();
    for (let i = 0; i < 4; i += 1) expect((await failOnce(limiter, other, someIp())).refused).toBeNull();
  });

  it("per address over every email (spraying)", async () => {
    const attacker = someIp();
    for (let i = 0; i < 6; i += 1)
      expect((await failOnce(limiter, someEmail(), attacker)).refused).toBeNull();
    const refused = await limiter.reserve(someEmail(), attacker).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "RATE_LIMITED" });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((await failOnce(limiter, someEmail(), someIp())).refused).toBeNull();
  });
});
