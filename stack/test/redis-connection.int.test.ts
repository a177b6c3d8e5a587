import { connectRedis, type RedisConnection } from "@taruvi/redis";
import { type OwnRedis, startOwnRedis } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let redis: OwnRedis;
let connection: RedisConnection;
const logged: { level: "warn" | "info"; message: string }[] = [];
const logger = {
  warn: (_fields: object, message: string) => logged.push({ level: "warn", message }),
  info: (_fields: object, message: string) => logged.push({ level: "info", message }),
};
let ups = 0;

const until = async (check: () => boolean, withinMs: number) => {
  const started = Date.now();
  while (!check() && Date.now() - started < withinMs) await new Promise((r) => setTimeout(r, 20));
  return check();
};

beforeAll(async () => {
  redis = await startOwnRedis();
  connection = connectRedis(redis.url, { name: "taruvi-test", logger });
  connection.onUp(() => {
    ups += 1;
  });
  expect(await until(() => connection.isUp(), 3_000)).toBe(true);
});

afterAll(async () => {
  connection?.close();
  await redis?.stop();
});

describe("connectRedis", () => {
  it("answers while Redis is up; onUp ran for the first connection", async () => {
    expect(await connection.client.ping()).toBe("PONG");
    expect(ups).toBe(1);
    expect(logged).toEqual([]);
  });

  it("while Redis is down a command fails at once instead of waiting out retries, logged once", async () => {
    await redis.stop();
    expect(await until(() => !connection.isUp(), 2_000)).toBe(true);
    const started = Date.now();
    await expect(connection.client.get("k")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(100);
    // Several reconnection attempts later, still one line.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(logged).toEqual([
      { level: "warn", message: "redis unavailable: serving from memory, reconnecting" },
    ]);
  });

  it("reconnects when Redis is back (back-off capped at 2 s), runs onUp again and logs it once", async () => {
    await redis.start();
    expect(await until(() => connection.isUp(), 3_000)).toBe(true);
    expect(await connection.client.ping()).toBe("PONG");
    expect(ups).toBe(2);
    expect(logged.map((l) => l.message)).toEqual([
      "redis unavailable: serving from memory, reconnecting",
      "redis available again",
    ]);
  });
});
