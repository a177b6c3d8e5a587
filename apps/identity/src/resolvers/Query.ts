import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "../context";
import { type ApiKeyFilter, findApiKeys, findApiKeysPage } from "../domain/access/api-keys";
import type { GrantFilter } from "../domain/access/grant-views";
import { findMyPermissions, findPermissionCatalog } from "../domain/access/my-permissions";
import { findPermissionGrants } from "../domain/access/permission-grants";
import { findGroup, findGroups, findGroupsPage, type GroupFilter } from "../domain/groups/groups";
import { findMe, findUser, findUsers, type UserFilter } from "../domain/users/find-users";

export const Query = {
  me: (_: unknown, __: unknown, ctx: Context) => findMe(ctx),
  user: (_: unknown, args: { id: string }, ctx: Context) => findUser(ctx, args.id),
  users: (_: unknown, args: PageArgs & { filter?: UserFilter | null }, ctx: Context) => findUsers(ctx, args),
  accounts: (_: unknown, args: PageArgs & { filter?: UserFilter | null }, ctx: Context) =>
    findUsers(ctx, args),
  apiKeys: (_: unknown, __: unknown, ctx: Context) => findApiKeys(ctx),
  apiKeysConnection: (_: unknown, args: PageArgs & { filter?: ApiKeyFilter | null }, ctx: Context) =>
    findApiKeysPage(ctx, args),
  groups: (_: unknown, __: unknown, ctx: Context) => findGroups(ctx),
  groupsConnection: (_: unknown, args: PageArgs & { filter?: GroupFilter | null }, ctx: Context) =>
    findGroupsPage(ctx, args),
  group: (_: unknown, args: { id: string }, ctx: Context) => findGroup(ctx, args.id),
  permissionGrants: (_: unknown, args: GrantFilter, ctx: Context) => findPermissionGrants(ctx, args),
  myPermissions: (_: unknown, __: unknown, ctx: Context) => findMyPermissions(ctx),
  permissionCatalog: (_: unknown, __: unknown, ctx: Context) => findPermissionCatalog(ctx),
};
