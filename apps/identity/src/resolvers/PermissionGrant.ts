import type { GrantView } from "../domain/permission-grants";

export const PermissionGrant = {
  createdAt: (grant: GrantView) => grant.createdAt.toISOString(),
};
