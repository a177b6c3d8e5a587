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
