import { notFound } from "@taruvi/errors";
import { decodeCursor, type PageArgs, pageSize, requireActor, toConnection } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/tenancy";
import type { Context, UserView } from "../context";
import { mayListUsers } from "./permissions";
import { findUserViews, USER_VIEW, userView } from "./user-views";

/** The caller, if the token's subject belongs to this scope. */
export const findMe = (ctx: Context) => {
  const actor = ctx.actor;
  if (!actor || actor.type === "api_key") return null;
  return ctx.loaders.userById.load(actor.id);
};

/** A user of this scope; null when unknown or not visible (ids of other tenants are unknown here). */
export const findUser = async (ctx: Context, id: string) => {
  const actor = requireActor(ctx);
  if (!isUuid(id)) return null;
  if (!mayListUsers(ctx) && actor.id !== id) return null;
  return ctx.loaders.userById.load(id);
};

export type UserFilter = { search?: string | null; isActive?: boolean | null };

export const findUsers = async (ctx: Context, args: PageArgs & { filter?: UserFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  if (!mayListUsers(ctx)) return toConnection<UserView>([], size, (u) => ({ at: u.createdAt, id: u.id }));
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

/** A user of the addressed site by id; NOT_FOUND when unknown here (ids of other sites included). */
export const getSiteUser = async (ctx: Context, id: unknown) => {
  const user = isUuid(id) ? await ctx.db.user.findUnique({ where: { id }, select: USER_VIEW }) : null;
  if (!user) throw notFound("user");
  return userView(user);
};
