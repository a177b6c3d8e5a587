import { describe, expect, it } from "vitest";
import { hashPassword, parsePassword, verifyPassword } from "./index";

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const passwordHash = await hashPassword("correct horse battery");
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    expect(passwordHash).not.toContain("correct horse");
    expect(await verifyPassword(passwordHash, "correct horse battery")).toBe(true);
    expect(await verifyPassword(passwordHash, "correct horse battery!")).toBe(false);
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
  });

  it("explains which rule a weak password breaks", () => {
    expect(() => parsePassword("short")).toThrow("password: must be at least 10 characters long");
    expect(() => parsePassword("aaaaaaaaaaaa")).toThrow("password: must use at least 4 different characters");
    expect(() => parsePassword("Password123")).toThrow("password: is too common");
    expect(() => parsePassword("alice-is-great-99", "adminPassword", ["alice"])).toThrow(
      "adminPassword: must not contain your email or name",
    );
    expect(parsePassword("a sound passphrase")).toBe("a sound passphrase");
  });
});
