import { isUniqueViolation, type TenantClient } from "@taruvi/db";
import { conflict, notFound } from "@taruvi/errors";
import {
  auditedSiteChange,
  decodeCursor,
  diff,
  type PageArgs,
  pageSize,
  toConnection,
} from "@taruvi/subgraph-kit";
import { isUuid, parseDisplayName, parseText } from "@taruvi/validation";
import type { Context } from "../../context";
import { GROUP_VIEW, type GroupView } from "./group-views";

const DESCRIPTION_MAX = 500;

/** Trimmed, at most 500 characters, no control characters but line breaks; empty or null clears it. */
const parseDescription = (value: unknown): string | null => parseText(value, "description", DESCRIPTION_MAX);

/** Runs a write; a unique violation on the group's name becomes CONFLICT naming the field. */
const nameMustBeFree = async <T>(write: () => Promise<T>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict("name", "is already taken by another group");
    throw error;
  }
};

/** A group of the addressed site through `db` (its client or a transaction); NOT_FOUND otherwise. */
export const getGroup = async (db: Pick<TenantClient, "group">, id: unknown): Promise<GroupView> => {
  const group = isUuid(id) ? await db.group.findUnique({ where: { id }, select: GROUP_VIEW }) : null;
  if (!group) throw notFound("group");
  return group;
};

/** The site's groups by name (groups.view). */
export const findGroups = (ctx: Context): Promise<GroupView[]> =>
  ctx.db.group.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], select: GROUP_VIEW });

export type GroupFilter = { search?: string | null };

/** The site's groups in pages, oldest first (groups.view), narrowed by part of the name. */
export const findGroupsPage = async (ctx: Context, args: PageArgs & { filter?: GroupFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const search = args.filter?.search?.trim();
  const rows = await ctx.db.group.findMany({
    where: {
      AND: [
        ...(search ? [{ name: { contains: search, mode: "insensitive" as const } }] : []),
        ...(after
          ? [{ OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] }]
          : []),
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: size + 1,
    select: GROUP_VIEW,
  });
  return toConnection(rows, size, (g) => ({ at: g.createdAt, id: g.id }));
};

/** A group of the site; null when unknown (groups.view on it or model-wide: the shield's rule). */
export const findGroup = (ctx: Context, id: string): Promise<GroupView | null> | null =>
  isUuid(id) ? ctx.loaders.groupById.load(id) : null;

/**
 * A group as an entity: null unless the caller may see it (groups.view on it or model-wide),
 * like an id of another site.
 */
export const findGroupEntity = async (ctx: Context, id: string): Promise<GroupView | null> => {
  if (!ctx.tenant || !isUuid(id)) return null;
  if (!(await ctx.access.site()).has("groups.view", { type: "Group", id })) return null;
  return ctx.loaders.groupById.load(id);
};

/** A new group (groups.manage); CONFLICT on `name` when taken. Recorded as `group.created`. */
export const createGroup = (
  ctx: Context,
  input: { name?: unknown; description?: unknown },
): Promise<GroupView> => {
  const name = parseDisplayName(input.name);
  const description = parseDescription(input.description);
  return nameMustBeFree(() =>
    auditedSiteChange(ctx, async (tx) => {
      const group = await tx.group.create({ data: { name, description }, select: GROUP_VIEW });
      return {
        result: group,
        audit: {
          action: "group.created",
          entityType: "Group",
          entityId: group.id,
          changes: diff(null, { name, description }),
        },
      };
    }),
  );
};

/**
 * Renames a group or changes its description (omitted fields stay; a null or empty description
 * clears it). Recorded as `group.updated` with the changed fields.
 */
export const updateGroup = (
  ctx: Context,
  id: unknown,
  input: { name?: unknown; description?: unknown },
): Promise<GroupView> => {
  const name = input.name === undefined || input.name === null ? undefined : parseDisplayName(input.name);
  const description = input.description === undefined ? undefined : parseDescription(input.description);
  return nameMustBeFree(() =>
    auditedSiteChange(ctx, async (tx) => {
      const before = await getGroup(tx, id);
      const after = await tx.group.update({
        where: { id: before.id },
        data: {
          ...(name === undefined ? {} : { name }),
          ...(description === undefined ? {} : { description }),
        },
        select: GROUP_VIEW,
      });
      return {
        result: after,
        audit: {
          action: "group.updated",
          entityType: "Group",
          entityId: before.id,
          changes: diff(before, after, ["name", "description"]),
        },
      };
    }),
  );
};

/**
 * Deletes a group with its memberships, the permissions it carries and the grants on it: its
 * members lose what they held through it on their next request. Recorded as `group.deleted`.
 */
export const deleteGroup = (ctx: Context, id: unknown): Promise<boolean> =>
  auditedSiteChange(ctx, async (tx) => {
    const group = await getGroup(tx, id);
    await tx.permissionGrant.deleteMany({ where: { objectType: "Group", objectId: group.id } });
    // Memberships and the group's own grants go with it (ON DELETE CASCADE).
    await tx.group.delete({ where: { id: group.id } });
    return {
      result: true,
      audit: {
        action: "group.deleted",
        entityType: "Group",
        entityId: group.id,
        changes: diff({ name: group.name, description: group.description }, null),
      },
    };
  });
