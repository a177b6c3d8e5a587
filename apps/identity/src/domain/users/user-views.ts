import { uuidIn } from "@taruvi/db";
import type { RequestContext } from "@taruvi/subgraph-kit";

/** What the API shows of an account or a site user. */
export type UserView = {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  isAdmin: boolean;
  emailVerified: boolean;
  createdAt: Date;
};

export const ACCOUNT_VIEW = {
  id: true,
  email: true,
  name: true,
  isActive: true,
  isSuperuser: true,
  emailVerifiedAt: true,
  createdAt: true,
} as const;
export const USER_VIEW = {
  id: true,
  email: true,
  name: true,
  isActive: true,
  isAdmin: true,
  emailVerifiedAt: true,
  createdAt: true,
} as const;

type ViewRow = {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  createdAt: Date;
};

/** A site user as the API shows it. */
export const userView = ({ emailVerifiedAt, ...row }: ViewRow & { isAdmin: boolean }): UserView => ({
  ...row,
  emailVerified: emailVerifiedAt !== null,
});

/** A platform account as the API shows it: `isAdmin` is a superuser. */
export const accountView = ({
  emailVerifiedAt,
  isSuperuser,
  ...row
}: ViewRow & { isSuperuser: boolean }): UserView => ({
  ...row,
  isAdmin: isSuperuser,
  emailVerified: emailVerifiedAt !== null,
});

/** USER_VIEW's and ACCOUNT_VIEW's columns, named as Prisma names the fields. */
const VIEW_COLUMNS = `id, email, name, is_active AS "isActive", email_verified_at AS "emailVerifiedAt",
  created_at AS "createdAt"`;

/**
 * Site users by id, as `findUserViews` with `id in` shows them (the same objects), in one
 * statement through node-postgres in the request's site schema (decision 0027); BAD_USER_INPUT
 * in the platform scope. Not in a transaction: there, read through its `tx`.
 */
export const findSiteUserViewsById = async (
  ctx: Pick<RequestContext, "sql">,
  ids: readonly string[],
): Promise<UserView[]> =>
  (
    await ctx.sql.site<ViewRow & { isAdmin: boolean }>(
      (schema) =>
        `SELECT ${VIEW_COLUMNS}, is_admin AS "isAdmin" FROM ${schema}.users WHERE id = ANY($1::uuid[])`,
      [ids],
    )
  ).map(userView);

/**
 * Users of the request's scope by id (site users in a site, platform accounts on the platform),
 * as `findUserViews` with `id in` shows them: the `userById` loader's batch. A loader belongs to
 * one request, so one batch is one statement in one schema (decision 0001: never a UNION).
 */
export const findUserViewsById = async (
  ctx: Pick<RequestContext, "tenant" | "sql">,
  ids: readonly string[],
): Promise<UserView[]> => {
  if (ctx.tenant) return findSiteUserViewsById(ctx, ids);
  const id = uuidIn("id", ids);
  const rows = await ctx.sql.platform<ViewRow & { isSuperuser: boolean }>(
    (schema) =>
      `SELECT ${VIEW_COLUMNS}, is_superuser AS "isSuperuser" FROM ${schema}.accounts WHERE ${id.where}`,
    [id.value],
  );
  return rows.map(accountView);
};

type Where = { id?: { in: string[] } | string; email?: string };
type Page = { orderBy?: { createdAt?: "asc"; id?: "asc" }[]; take?: number };

/**
 * Users of the request's scope as the API shows them: site users in a site, platform accounts
 * on the platform (`isAdmin` is a site admin there, a superuser here).
 */
export const findUserViews = async (
  ctx: Pick<RequestContext, "tenant" | "db" | "platform">,
  where: Where | { AND: unknown[] },
  page: Page = {},
): Promise<UserView[]> => {
  if (ctx.tenant) {
    const rows = await ctx.db.user.findMany({ where: where as never, ...page, select: USER_VIEW });
    return rows.map(userView);
  }
  const rows = await ctx.platform.account.findMany({ where: where as never, ...page, select: ACCOUNT_VIEW });
  return rows.map(accountView);
};
