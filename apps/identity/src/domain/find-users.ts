import { decodeCursor, type PageArgs, pageSize, requireActor, toConnection } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/tenancy";
import type { Context, UserView } from "../context";

const VIEW = { id: true, email: true, name: true, isActive: true, createdAt: true } as const;

/** The caller, if the token's subject belongs to this scope. */
export const findMe = (ctx: Context) => {
  const actor = ctx.actor;
  if (!actor || actor.type === "api_key") return null;
  return ctx.loaders.userById.load(actor.id);
};

const mayListUsers = (ctx: Context): boolean => {
  const actor = requireActor(ctx);
  return ctx.tenant ? actor.type !== "account" : actor.superuser === true;
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
  const query = {
    where: { AND: conditions },
    orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }],
    take: size + 1,
    select: VIEW,
  };
  const rows: UserView[] = ctx.tenant
    ? await ctx.db.user.findMany(query)
    : await ctx.platform.account.findMany(query);
  return toConnection(rows, size, (u) => ({ at: u.createdAt, id: u.id }));
};
