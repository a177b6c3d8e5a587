import type { GrantView } from "../domain/access/grant-views";

export const PermissionGrant = {
  createdAt: (grant: GrantView) => grant.createdAt.toISOString(),
};
