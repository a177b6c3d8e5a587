import { describe, expect, it } from "vitest";
import {
  isUnderDomain,
  parseDateTime,
  parseDisplayName,
  parseEmail,
  parseHostname,
  parseSlug,
  parseText,
} from "./input";

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

  it.each(["\u202Egnp.exe", "a\u2066b\u2069", "\u0085", "a\u2028b", "\u001b[31mred"])(
    "refuses %j in a name (controls and bidirectional overrides)",
    (name) => {
      expect(() => parseDisplayName(name)).toThrow("name: must not contain control characters");
    },
  );

  it("keeps right-to-left names, with their implicit marks", () => {
    expect(parseDisplayName("שלום\u200F עולם")).toBe("שלום\u200F עולם");
  });

  it("takes free text with line breaks, not other controls or overrides", () => {
    expect(parseText("  line one\n\tline two ", "description", 500)).toBe("line one\n\tline two");
    expect(parseText("   ", "description", 500)).toBeNull();
    expect(parseText(null, "description", 500)).toBeNull();
    expect(() => parseText("\u202Eoops", "description", 500)).toThrow("description: must not contain");
    expect(() => parseText("a\u0007b", "description", 500)).toThrow("description: must not contain");
    expect(() => parseText("x".repeat(501), "description", 500)).toThrow("at most 500 characters");
  });
});

describe("parseDateTime", () => {
  it.each([
    ["2026-11-27T10:00:00Z", "2026-11-27T10:00:00.000Z"],
    ["2026-11-27T12:00:00.5+02:00", "2026-11-27T10:00:00.500Z"],
    ["2026-11-27", "2026-11-27T00:00:00.000Z"],
    ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
  ])("reads %j", (text, iso) => {
    expect(parseDateTime(text, "at").toISOString()).toBe(iso);
  });

  it.each([
    "tomorrow",
    "2026-11-27T10:00:00",
    "2026-02-31",
    "2026-13-01",
    "2026-11-27T24:00:00Z",
    "+020000-01-01T00:00:00Z",
    "1700000000000",
    "",
  ])("refuses %j as not a date-time", (text) => {
    expect(() => parseDateTime(text, "at")).toThrow("at: must be an ISO 8601 date");
  });

  it.each(["9999-12-31T23:59:59-23:59", "0000-06-01T00:00:00Z"])("refuses %j beyond years 1-9999", (text) => {
    expect(() => parseDateTime(text, "at")).toThrow("at: must be between 0001-01-01 and 9999-12-31");
  });

  it("refuses what is not a string", () => {
    expect(() => parseDateTime(1_700_000_000_000, "at")).toThrow("at: must be an ISO 8601 date");
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
