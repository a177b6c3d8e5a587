import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { assertSitePrefix, isObjectKey, objectKey, sitePrefix } from "./keys";

describe("objectKey", () => {
  it("is sites/<siteId>/<fileId> in lower case", () => {
    const site = randomUUID();
    const file = randomUUID();
    expect(objectKey(site.toUpperCase(), file)).toBe(`sites/${site}/${file}`);
    expect(isObjectKey(objectKey(site, file))).toBe(true);
  });

  it.each([
    ["../x", randomUUID(), "siteId"],
    [randomUUID(), "a/b", "fileId"],
    [randomUUID(), "", "fileId"],
  ])("refuses %j / %j naming %s", (site, file, field) => {
    expect(() => objectKey(site, file)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT", field }));
  });

  it.each([
    `sites/${randomUUID()}/${randomUUID()}/x`,
    `sites/${randomUUID()}/../${randomUUID()}`,
    `/sites/${randomUUID()}/${randomUUID()}`,
    `sites/${randomUUID().toUpperCase()}/${randomUUID()}`,
  ])("does not take %j for a key", (key) => {
    expect(isObjectKey(key)).toBe(false);
  });
});

describe("site prefixes", () => {
  it("bulk-deletes one whole site only", () => {
    const site = randomUUID();
    expect(assertSitePrefix(sitePrefix(site))).toBe(`sites/${site}/`);
    for (const prefix of ["", "sites/", `sites/${site}`, `sites/${site.slice(0, 8)}`]) {
      expect(() => assertSitePrefix(prefix)).toThrow(expect.objectContaining({ field: "prefix" }));
    }
  });
});
