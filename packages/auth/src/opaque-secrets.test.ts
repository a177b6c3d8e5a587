import { describe, expect, it } from "vitest";
import {
  hashSecret,
  newApiKey,
  newRefreshToken,
  parseApiKey,
  refreshSuccessorKey,
  sameHash,
  successorRefreshToken,
} from "./index";

describe("opaque secrets", () => {
  it("makes 256-bit refresh tokens, stored as SHA-256 hex", () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("derives a refresh token's successor: always the same under one key, another under another", () => {
    const key = refreshSuccessorKey("a-server-secret-of-at-least-32-bytes!");
    const token = newRefreshToken();
    const successor = successorRefreshToken(key, token);
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(successor).not.toBe(token);
    expect(successorRefreshToken(key, token)).toBe(successor);
    expect(successorRefreshToken(key, newRefreshToken())).not.toBe(successor);
    const other = refreshSuccessorKey("another-server-secret-of-32-bytes-or-more");
    expect(successorRefreshToken(other, token)).not.toBe(successor);
    expect(() => refreshSuccessorKey("short")).toThrow("at least 32 bytes");
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
