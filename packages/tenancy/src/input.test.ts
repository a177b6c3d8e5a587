import { describe, expect, it } from "vitest";
import { parseDisplayName, parseEmail, parseSlug } from "./input";
import { isSchemaName, quoteSchema, schemaNameForSite } from "./schema-name";

describe("parseSlug", () => {
  it.each(["acme", "acme-2", "a1b", "x".repeat(40)])("accepts %j", (slug) => {
    expect(parseSlug(slug)).toBe(slug);
  });

  it.each([
    ['a"; drop schema platform; --', /must start with a letter/],
    ["x".repeat(64), /3 to 40 characters/],
    ["ünïcödé", /must start with a letter/],
    ["Acme", /must start with a letter/],
    ["1acme", /must start with a letter/],
    ["acme-", /must start with a letter/],
    ["ac--me", /two hyphens/],
    ["api", /reserved/],
    ["ab", /3 to 40 characters/],
  ])("rejects %j naming the field", (slug, why) => {
    expect(() => parseSlug(slug, "org")).toThrow(why);
    expect(() => parseSlug(slug, "org")).toThrow(/^org: /);
  });
});

describe("other input", () => {
  it("normalizes emails and rejects malformed ones", () => {
    expect(parseEmail("  Alice@Example.COM ")).toBe("alice@example.com");
    expect(() => parseEmail("alice@", "adminEmail")).toThrow("adminEmail: must be a valid email address");
  });

  it("trims names and rejects empty or control characters", () => {
    expect(parseDisplayName("  Acme Inc. ")).toBe("Acme Inc.");
    expect(() => parseDisplayName(" ")).toThrow("name: must not be empty");
    expect(() => parseDisplayName("a\u0000b")).toThrow("control characters");
  });
});

describe("schema names", () => {
  it("derives a fixed-form name from the site id only", () => {
    const name = schemaNameForSite("0F8FAD5B-D9CB-469F-A165-70867728950E");
    expect(name).toBe("site_0f8fad5bd9cb469fa16570867728950e");
    expect(isSchemaName(name)).toBe(true);
    expect(quoteSchema(name)).toBe(`"${name}"`);
  });

  it("refuses anything else as an identifier", () => {
    expect(() => schemaNameForSite("acme")).toThrow(/not a UUID/);
    expect(() => quoteSchema('site_1"; DROP SCHEMA platform; --')).toThrow(/invalid site schema name/);
    expect(() => quoteSchema("public")).toThrow(/invalid site schema name/);
  });
});
