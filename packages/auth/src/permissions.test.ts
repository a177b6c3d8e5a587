import { describe, expect, it } from "vitest";
import {
  evaluateOrganizationAccess,
  evaluateSiteAccess,
  evaluateSiteObjectAccess,
  isPlatformGrant,
  SITE_PERMISSION_NAMES,
} from "./permissions";

describe("site access", () => {
  it("gives a site admin every permission on every object", () => {
    const access = evaluateSiteAccess({ admin: true, grants: [] });
    expect(access.permissions).toEqual([...SITE_PERMISSION_NAMES].sort());
    expect(access.has("audit.view", { type: "Group", id: "g1" })).toBe(true);
  });

  it("gives nothing by default", () => {
    const access = evaluateSiteAccess({ admin: false, grants: [] });
    expect(access.permissions).toEqual([]);
    expect(access.has("users.view")).toBe(false);
  });

  it("adds implied permissions and keeps object grants to their object", () => {
    const access = evaluateSiteAccess({
      admin: false,
      grants: [
        { permission: "users.manage", objectType: null, objectId: null },
        { permission: "groups.manage", objectType: "Group", objectId: "g1" },
        { permission: "not.a.permission", objectType: null, objectId: null },
      ],
    });
    expect(access.permissions).toEqual(["users.manage", "users.view"]);
    expect(access.has("groups.manage", { type: "Group", id: "g1" })).toBe(true);
    expect(access.has("groups.view", { type: "Group", id: "g1" })).toBe(true);
    expect(access.has("groups.manage", { type: "Group", id: "g2" })).toBe(false);
    expect(access.has("groups.manage")).toBe(false);
    expect(access.objectGrants).toContainEqual({
      permission: "groups.view",
      objectType: "Group",
      objectId: "g1",
    });
  });

  it("maps API key scopes onto the same permissions, ignoring unknown ones", () => {
    const access = evaluateSiteAccess({ admin: false, grants: [], scopes: ["users.manage", "root"] });
    expect(access.permissions).toEqual(["users.manage", "users.view"]);
  });
});

describe("organization access", () => {
  it("hides an organization from a stranger and shows it to a grantee", () => {
    expect(evaluateOrganizationAccess({ superuser: false, role: null, granted: [] })).toBeNull();
    const grantee = evaluateOrganizationAccess({ superuser: false, role: null, granted: ["invite_members"] });
    expect(grantee?.can("read")).toBe(true);
    expect(grantee?.can("invite_members")).toBe(true);
    expect(grantee?.can("manage_sites")).toBe(false);
  });

  it("maps roles to permissions; a grant adds to a role; role-only permissions cannot be granted", () => {
    const member = evaluateOrganizationAccess({
      superuser: false,
      role: "MEMBER",
      granted: ["manage_sites", "manage_owners"],
    });
    expect(member?.can("manage_sites")).toBe(true);
    expect(member?.can("manage_owners")).toBe(false);
    const admin = evaluateOrganizationAccess({ superuser: false, role: "ADMIN", granted: [] });
    expect(admin?.can("invite_members")).toBe(true);
    expect(admin?.can("manage_organization")).toBe(false);
  });

  it("lets a superuser do everything", () => {
    expect(
      evaluateOrganizationAccess({ superuser: true, role: null, granted: [] })?.can("manage_owners"),
    ).toBe(true);
  });
});

describe("site object access", () => {
  const member = evaluateOrganizationAccess({ superuser: false, role: "MEMBER", granted: [] });
  const admin = evaluateOrganizationAccess({ superuser: false, role: "ADMIN", granted: [] });

  it("derives access from the organization", () => {
    expect(
      evaluateSiteObjectAccess({ superuser: false, organization: member, granted: [] })?.permissions,
    ).toEqual(["access_site"]);
    expect(
      evaluateSiteObjectAccess({ superuser: false, organization: admin, granted: [] })?.can("admin_site"),
    ).toBe(true);
    expect(evaluateSiteObjectAccess({ superuser: false, organization: null, granted: [] })).toBeNull();
  });

  it("adds grants on the site with what they imply", () => {
    const access = evaluateSiteObjectAccess({
      superuser: false,
      organization: null,
      granted: ["manage_site_users"],
    });
    expect(access?.permissions).toEqual(["access_site", "manage_site_users"]);
    expect(access?.can("admin_site")).toBe(false);
  });

  it("knows which permissions may be granted on which objects", () => {
    expect(isPlatformGrant("ORGANIZATION", "manage_sites")).toBe(true);
    expect(isPlatformGrant("ORGANIZATION", "manage_owners")).toBe(false);
    expect(isPlatformGrant("SITE", "admin_site")).toBe(true);
    expect(isPlatformGrant("SITE", "manage_sites")).toBe(false);
  });
});
