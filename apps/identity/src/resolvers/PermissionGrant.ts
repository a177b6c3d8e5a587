import type { GrantView } from "../domain/access/permission-grants";

export const PermissionGrant = {
  createdAt: (grant: GrantView) => grant.createdAt.toISOString(),
};
