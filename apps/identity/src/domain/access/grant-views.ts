/**
 * A permission grant as both scopes share it: what the API shows, what grantPermission takes,
 * how findPermissionGrants narrows, what the audit trail records; and a site grant's row and view.
 */

/** A grant as the API shows it, in either scope. */
export type GrantView = {
  id: string;
  permission: string;
  principalType: "USER" | "GROUP" | "API_KEY" | "ACCOUNT";
  principalId: string;
  objectType: string | null;
  objectId: string | null;
  createdAt: Date;
};

/** grantPermission's input; which fields apply depends on the scope. */
export type GrantInput = {
  permission?: unknown;
  userId?: unknown;
  groupId?: unknown;
  apiKeyId?: unknown;
  accountId?: unknown;
  objectType?: unknown;
  objectId?: unknown;
};

export type GrantFilter = {
  principalId?: string | null;
  objectType?: string | null;
  objectId?: string | null;
};

/** The fields of a grant the audit trail records (before or after). */
export const grantFields = (grant: GrantView) => ({
  permission: grant.permission,
  principalType: grant.principalType,
  principalId: grant.principalId,
  objectType: grant.objectType,
  objectId: grant.objectId,
});

export const GRANT_SELECT = {
  id: true,
  permission: true,
  principalType: true,
  userId: true,
  groupId: true,
  apiKeyId: true,
  objectType: true,
  objectId: true,
  createdAt: true,
} as const;

type GrantRow = {
  id: string;
  permission: string;
  principalType: "USER" | "GROUP" | "API_KEY";
  userId: string | null;
  groupId: string | null;
  apiKeyId: string | null;
  objectType: string | null;
  objectId: string | null;
  createdAt: Date;
};

/** A site grant as the API shows it: its principal is the user, group or API key it names. */
export const siteGrantView = (row: GrantRow): GrantView => ({
  id: row.id,
  permission: row.permission,
  principalType: row.principalType,
  principalId: (row.userId ?? row.groupId ?? row.apiKeyId) as string,
  objectType: row.objectType,
  objectId: row.objectId,
  createdAt: row.createdAt,
});
