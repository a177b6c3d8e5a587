import { randomBytes } from "node:crypto";
import type { PlatformClient } from "@taruvi/db";

/** A valid, unique slug: tests never collide and need no clean-up. */
export const randomSlug = (prefix = "t"): string => `${prefix}-${randomBytes(5).toString("hex")}`;

export const createTestAccount = (
  db: PlatformClient,
  overrides: { email?: string; isSuperuser?: boolean } = {},
) =>
  db.account.create({
    data: {
      email: overrides.email ?? `${randomSlug("user")}@example.test`,
      name: "Test Account",
      isSuperuser: overrides.isSuperuser ?? false,
    },
  });

export const createTestOrganization = async (db: PlatformClient) => {
  const owner = await createTestAccount(db);
  const organization = await db.organization.create({
    data: {
      slug: randomSlug("org"),
      name: "Test Organization",
      members: { create: { accountId: owner.id, role: "OWNER" } },
    },
  });
  return { organization, owner };
};
