import { describe, expect, it } from "vitest";
import { hashSecret, newApiKey, newRefreshToken, parseApiKey, sameHash } from "./index";

describe("opaque secrets", () => {
  it("makes 256-bit refresh tokens, stored as SHA-256 hex", () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("makes API keys whose public prefix finds them and whose hash verifies them", () => {
    const { key, prefix, hash } = newApiKey();
    expect(key).toMatch(/^tvk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${prefix}_`)).toBe(true);
    expect(parseApiKey(key)).toEqual({ prefix, hash });
    expect(sameHash(hash, hashSecret(key))).toBe(true);
    expect(sameHash(hash, hashSecret(`${key}x`))).toBe(false);
  });

  it("refuses anything not shaped like an API key", () => {
    const { key } = newApiKey();
    for (const bad of ["", "tvk_", key.slice(0, -1), `${key}A`, key.replace("tvk_", "tvx_"), "Bearer x"]) {
      expect(parseApiKey(bad)).toBeNull();
    }
    expect(sameHash("abc", "abc")).toBe(false);
  });
});
