import { describe, expect, it } from "vitest";
import { isUnderDomain, parseDisplayName, parseEmail, parseHostname, parseSlug } from "./input";
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

describe("parseHostname", () => {
  it.each([
    ["app.example.com", "app.example.com"],
    ["  App.Example.COM. ", "app.example.com"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["a-b.c1.io", "a-b.c1.io"],
    [`${"a".repeat(63)}.example.com`, `${"a".repeat(63)}.example.com`],
  ])("accepts %j", (input, host) => {
    expect(parseHostname(input)).toBe(host);
  });

  it.each([
    ["", /must not be empty/],
    ["localhost", /at least two labels/],
    ["https://app.example.com", /host name only/],
    ["app.example.com:8080", /host name only/],
    ["app.example.com/path", /host name only/],
    ["user@app.example.com", /host name only/],
    ["bücher.example", /host name only/],
    ["app example.com", /host name only/],
    ["127.0.0.1", /not an IP address/],
    ["[::1]", /host name only/],
    ["-app.example.com", /each label/],
    ["app-.example.com", /each label/],
    ["app..example.com", /each label/],
    [`${"a".repeat(64)}.example.com`, /each label/],
    [`${"a.".repeat(127)}com`, /at most 253/],
    ["app.example.com\u0000", /host name only/],
  ])("rejects %j naming the field", (input, why) => {
    expect(() => parseHostname(input)).toThrow(why);
    expect(() => parseHostname(input)).toThrow(/^domain: /);
  });

  it("rejects non-strings", () => {
    expect(() => parseHostname(42, "hostname")).toThrow("hostname: is required");
  });

  it("knows what lies under a base domain", () => {
    expect(isUnderDomain("taruvi.test", "taruvi.test")).toBe(true);
    expect(isUnderDomain("acme.taruvi.test", "Taruvi.Test.")).toBe(true);
    expect(isUnderDomain("nottaruvi.test", "taruvi.test")).toBe(false);
  });
});
