import type { TenantClient } from "@taruvi/db";
import { notFound } from "@taruvi/errors";
import { decodeCursor, type PageArgs, pageSize, toConnection } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context } from "../../context";
import { findSiteUserViewsById, findUserViews, USER_VIEW, userView } from "./user-views";

/** The caller, if the token's subject belongs to this scope. */
export const findMe = (ctx: Context) => {
  const actor = ctx.actor;
  if (!actor || actor.type === "api_key") return null;
  return ctx.loaders.userById.load(actor.id);
};

/**
 * A user of this scope; null when unknown (ids of other tenants are unknown here). Who may ask
 * (users.view, on the user or model-wide; the user themself; superusers on the platform) is the
 * shield's rule.
 */
export const findUser = (ctx: Context, id: string) => (isUuid(id) ? ctx.loaders.userById.load(id) : null);

export type UserFilter = { search?: string | null; isActive?: boolean | null };

/** Users of this scope, oldest first, in pages (users.view in a site, superusers on the platform). */
export const findUsers = async (ctx: Context, args: PageArgs & { filter?: UserFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const search = args.filter?.search?.trim();
  const isActive = args.filter?.isActive;
  const conditions = [
    ...(typeof isActive === "boolean" ? [{ isActive }] : []),
    ...(search
      ? [
          {
            OR: [
              { email: { contains: search, mode: "insensitive" as const } },
              { name: { contains: search, mode: "insensitive" as const } },
            ],
          },
        ]
      : []),
    ...(after
      ? [{ OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] }]
      : []),
  ];
  const rows = await findUserViews(
    ctx,
    { AND: conditions },
    { orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: size + 1 },
  );
  return toConnection(rows, size, (u) => ({ at: u.createdAt, id: u.id }));
};

/**
 * A user of the addressed site by id, outside any transaction: one row through node-postgres in
 * the request's site schema (decision 0027); NOT_FOUND when unknown here (ids of other sites
 * included). Inside a transaction use `getSiteUserIn(tx, id)`.
 */
export const getSiteUser = async (ctx: Pick<Context, "sql">, id: unknown) => {
  const [user] = isUuid(id) ? await findSiteUserViewsById(ctx, [id]) : [];
  if (!user) throw notFound("user");
  return user;
};

/**
 * A user of the addressed site by id, read on a transaction's connection (its snapshot, its own
 * writes; a read on the pool would also wait for a second connection while holding one);
 * NOT_FOUND when unknown here.
 */
export const getSiteUserIn = async (tx: Pick<TenantClient, "user">, id: unknown) => {
  const user = isUuid(id) ? await tx.user.findUnique({ where: { id }, select: USER_VIEW }) : null;
  if (!user) throw notFound("user");
  return userView(user);
};
