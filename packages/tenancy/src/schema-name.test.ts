import { describe, expect, it } from "vitest";
import { isSchemaName, quoteSchema, schemaNameForSite } from "./schema-name";

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
