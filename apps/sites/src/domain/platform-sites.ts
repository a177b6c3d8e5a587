import type { platform } from "@taruvi/db";
import { decodeCursor, type PageArgs, pageSize, toConnection } from "@taruvi/subgraph-kit";
import { parseUuid } from "@taruvi/validation";
import type { Context } from "../context";

export type SiteFilter = {
  status?: platform.SiteStatus | null;
  organizationId?: string | null;
  search?: string | null;
};

/**
 * Every site of the platform, DELETED ones included, oldest first, in pages, by status,
 * organization and part of slug or name. Superusers only (the shield's rule): nothing here
 * narrows by what the caller may see.
 */
export const findPlatformSites = async (ctx: Context, args: PageArgs & { filter?: SiteFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const { status, organizationId, search } = args.filter ?? {};
  const organization = organizationId ? parseUuid(organizationId, "filter.organizationId") : null;
  const text = search?.trim();
  const rows = await ctx.platform.site.findMany({
    where: {
      AND: [
        ...(status ? [{ status }] : []),
        ...(organization ? [{ organizationId: organization }] : []),
        ...(text
          ? [
              {
                OR: [
                  { slug: { contains: text, mode: "insensitive" as const } },
                  { name: { contains: text, mode: "insensitive" as const } },
                ],
              },
            ]
          : []),
        ...(after
          ? [{ OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] }]
          : []),
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: size + 1,
  });
  return toConnection(rows, size, (s) => ({ at: s.createdAt, id: s.id }));
};
