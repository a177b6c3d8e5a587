/**
 * The site's files: reads, downloads and deletion. `ctx.db` is this service's own client bound
 * to the addressed site's schema, so another site's file is simply not there (NOT_FOUND). The
 * shield has checked files.view / files.manage.
 */
import { prismaSqlExecutor } from "@taruvi/db";
import { badUserInput, notFound } from "@taruvi/errors";
import { objectKey } from "@taruvi/storage";
import {
  auditedSiteChange,
  decodeCursor,
  diff,
  type PageArgs,
  type Position,
  pageSize,
  requireSite,
  toConnection,
} from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context, Tx } from "../context";
import type { FileStatus } from "../generated/client";
import { parseContentType, parseExpiresIn } from "./input";
import { release } from "./usage";

export const FILE_VIEW = {
  id: true,
  name: true,
  contentType: true,
  size: true,
  sha256: true,
  status: true,
  uploadExpiresAt: true,
  createdAt: true,
  createdById: true,
} as const;

export type FileView = {
  id: string;
  name: string;
  contentType: string;
  size: bigint;
  sha256: string;
  status: FileStatus;
  uploadExpiresAt: Date;
  createdAt: Date;
  createdById: string | null;
};

const position = (row: FileView): Position => ({ at: row.createdAt, id: row.id });

export type FileFilter = { status?: FileStatus | null; contentType?: string | null };

/** `image/png` exactly, or `image/*` for the family. */
const contentTypeWhere = (value: string | null | undefined) => {
  if (value === undefined || value === null) return {};
  const family = /^([a-z0-9][a-z0-9!#$&^_.+-]{0,126})\/\*$/.exec(value.trim().toLowerCase());
  if (family) return { contentType: { startsWith: `${family[1]}/` } };
  try {
    return { contentType: parseContentType(value) };
  } catch {
    throw badUserInput("filter.contentType", "must be a media type (image/png) or a family (image/*)");
  }
};

/** One page of the site's files, newest first; stable while others are added. */
export const findFiles = async (ctx: Context, args: PageArgs & { filter?: FileFilter | null }) => {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after);
  const rows = await ctx.db.file.findMany({
    where: {
      ...(args.filter?.status ? { status: args.filter.status } : {}),
      ...contentTypeWhere(args.filter?.contentType),
      ...(after
        ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: size + 1,
    select: FILE_VIEW,
  });
  return toConnection(rows, size, position);
};

/** A file of the site; null when there is none with this id (a malformed id included). */
export const findFile = (ctx: Context, id: unknown): Promise<FileView | null> | null =>
  isUuid(id) ? ctx.loaders.fileById.load(id) : null;

/** A file of the site, read in `tx` (locked) for a change; NOT_FOUND otherwise (another site's id included). */
export const getFileForUpdate = async (tx: Tx, id: unknown): Promise<FileView> => {
  const found = isUuid(id) ? await tx.file.findUnique({ where: { id }, select: FILE_VIEW }) : null;
  if (!found) throw notFound("file");
  return found;
};

/** Media types a browser shows inline without running anything; everything else downloads as an attachment. */
const INLINE =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|application\/pdf|text\/plain)$/;

/**
 * A URL to GET a READY file's bytes for `expiresIn` seconds: CloudFront-signed when a CDN is
 * configured, else presigned by the store. Null while PENDING.
 */
export const downloadUrl = async (
  ctx: Context,
  file: FileView,
  expiresIn: unknown,
): Promise<string | null> => {
  const seconds = parseExpiresIn(expiresIn);
  if (file.status !== "READY") return null;
  const key = objectKey(requireSite(ctx).siteId, file.id);
  const options = {
    expiresInSeconds: seconds,
    filename: file.name,
    contentType: file.contentType,
    disposition: INLINE.test(file.contentType) ? ("inline" as const) : ("attachment" as const),
  };
  const { cdn, storage } = ctx.services;
  return cdn ? cdn.sign(key, options) : storage.presignGet(key, options);
};

/**
 * Deletes a file: its row and its share of the quota at once, its bytes through the
 * `delete-object` job enqueued in the same transaction (retried until the store confirms).
 * `file.deleted` for a READY file; an upload never completed is simply cancelled.
 */
export const deleteFile = (ctx: Context, id: unknown): Promise<boolean> => {
  const site = requireSite(ctx);
  return auditedSiteChange(ctx, async (tx: Tx) => {
    const file = await getFileForUpdate(tx, id);
    await tx.file.delete({ where: { id: file.id } });
    await release(tx, file.size);
    await ctx.services.jobs.send(
      "delete-object",
      { siteId: site.siteId, fileId: file.id },
      {
        db: prismaSqlExecutor(tx),
      },
    );
    return {
      result: true,
      audit:
        file.status === "READY"
          ? {
              action: "file.deleted",
              entityType: "File",
              entityId: file.id,
              changes: diff(
                { name: file.name, contentType: file.contentType, size: Number(file.size) },
                null,
              ),
            }
          : null,
    };
  });
};
