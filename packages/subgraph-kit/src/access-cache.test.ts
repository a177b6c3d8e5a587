import { randomBytes } from "node:crypto";
import { evaluateSiteAccess } from "@taruvi/auth";
import { createTenantChangeBus } from "@taruvi/tenancy";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  announcePlatformAccessChange,
  announceSiteAccessChange,
  attachAccessChangeBus,
  cachedOrganizationStanding,
  cachedSiteAccess,
  SUBSCRIBED_TTL_MS,
  storeOrganizationStanding,
  storeSiteAccess,
  UNSUBSCRIBED_TTL_MS,
} from "./access-cache";

const schema = () => `site_${randomBytes(16).toString("hex")}`;
const viewer = evaluateSiteAccess({
  admin: false,
  grants: [{ permission: "users.view", objectType: null, objectId: null }],
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the site access cache", () => {
  it("keeps an entry until a newer version of its site is known, here or from the bus", async () => {
    const bus = createTenantChangeBus({});
    const detach = attachAccessChangeBus(bus);
    try {
      const [a, b] = [schema(), schema()];
      storeSiteAccess(a, "user:1", 3, viewer);
      storeSiteAccess(b, "user:1", 3, viewer);
      expect(cachedSiteAccess(a, "user:1")).toBe(viewer);
      await announceSiteAccessChange(a, 4);
      expect(cachedSiteAccess(a, "user:1")).toBeUndefined();
      expect(cachedSiteAccess(b, "user:1")).toBe(viewer);
      // Another process's change, as the bus delivers it.
      await bus.publish(`access:${b}@4`);
      expect(cachedSiteAccess(b, "user:1")).toBeUndefined();
    } finally {
      detach();
    }
  });

  it("does not keep what was read before a change it has already heard of", async () => {
    const site = schema();
    await announceSiteAccessChange(site, 7);
    storeSiteAccess(site, "user:1", 6, viewer);
    expect(cachedSiteAccess(site, "user:1")).toBeUndefined();
    storeSiteAccess(site, "user:1", 7, viewer);
    expect(cachedSiteAccess(site, "user:1")).toBe(viewer);
  });

  it("a read that sees a newer version retires the site's older entries", () => {
    const site = schema();
    storeSiteAccess(site, "user:1", 1, viewer);
    storeSiteAccess(site, "user:2", 2, viewer);
    expect(cachedSiteAccess(site, "user:1")).toBeUndefined();
    expect(cachedSiteAccess(site, "user:2")).toBe(viewer);
  });

  it("lives a second without a current bus, a minute with one; '*' drops everything", async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    const [alone, heard] = [schema(), schema()];
    storeSiteAccess(alone, "user:1", 1, viewer);
    vi.advanceTimersByTime(UNSUBSCRIBED_TTL_MS);
    expect(cachedSiteAccess(alone, "user:1")).toBeUndefined();

    const bus = createTenantChangeBus({});
    const detach = attachAccessChangeBus(bus);
    try {
      storeSiteAccess(heard, "user:1", 1, viewer);
      vi.advanceTimersByTime(SUBSCRIBED_TTL_MS - 1);
      expect(cachedSiteAccess(heard, "user:1")).toBe(viewer);
      vi.advanceTimersByTime(1);
      expect(cachedSiteAccess(heard, "user:1")).toBeUndefined();
      storeSiteAccess(heard, "user:1", 1, viewer);
      await bus.publish("*");
      expect(cachedSiteAccess(heard, "user:1")).toBeUndefined();
    } finally {
      detach();
    }
  });
});

describe("organization standings (the platform scope)", () => {
  const admin = { role: "ADMIN" as const, granted: [] };

  it("are kept per account and organization until the platform's version moves, here or from the bus", async () => {
    const bus = createTenantChangeBus({});
    const detach = attachAccessChangeBus(bus);
    try {
      storeOrganizationStanding("a1", "o1", 10, admin);
      storeOrganizationStanding("a1", "o2", 10, admin);
      expect(cachedOrganizationStanding("a1", "o1")).toBe(admin);
      expect(cachedOrganizationStanding("a2", "o1")).toBeUndefined();
      await announcePlatformAccessChange(11);
      expect(cachedOrganizationStanding("a1", "o1")).toBeUndefined();
      expect(cachedOrganizationStanding("a1", "o2")).toBeUndefined();
      storeOrganizationStanding("a1", "o1", 11, admin);
      // Another process's change, as the bus delivers it.
      await bus.publish("access:platform@12");
      expect(cachedOrganizationStanding("a1", "o1")).toBeUndefined();
    } finally {
      detach();
    }
  });

  it("a site's change leaves them alone, and theirs leaves a site's alone", async () => {
    const site = schema();
    storeOrganizationStanding("a3", "o3", 20, admin);
    storeSiteAccess(site, "user:1", 1, viewer);
    await announceSiteAccessChange(site, 2);
    expect(cachedOrganizationStanding("a3", "o3")).toBe(admin);
    storeSiteAccess(site, "user:1", 2, viewer);
    await announcePlatformAccessChange(21);
    expect(cachedSiteAccess(site, "user:1")).toBe(viewer);
    expect(cachedOrganizationStanding("a3", "o3")).toBeUndefined();
  });
});
