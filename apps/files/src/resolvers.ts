import type { PageArgs } from "@taruvi/subgraph-kit";
import type { Context } from "./context";
import { deleteFile, downloadUrl, type FileFilter, type FileView, findFile, findFiles } from "./domain/files";
import { completeUpload, createUpload, type UploadInput } from "./domain/uploads";
import { storageLimits, usedBytes } from "./domain/usage";

/** Thin: parse, call, shape. The domain (./domain) validates and writes. */
export const resolvers = {
  Query: {
    files: (_: unknown, args: PageArgs & { filter?: FileFilter | null }, ctx: Context) =>
      findFiles(ctx, args),
    file: (_: unknown, args: { id: string }, ctx: Context) => findFile(ctx, args.id),
  },
  Mutation: {
    createUpload: async (_: unknown, args: { input: UploadInput }, ctx: Context) => {
      const upload = await createUpload(ctx, args.input);
      return { ...upload, expiresAt: upload.expiresAt.toISOString() };
    },
    completeUpload: (_: unknown, args: { id: string }, ctx: Context) => completeUpload(ctx, args.id),
    deleteFile: (_: unknown, args: { id: string }, ctx: Context) => deleteFile(ctx, args.id),
  },
  File: {
    __resolveReference: (ref: { id: string }, ctx: Context) => findFile(ctx, ref.id),
    size: (row: FileView) => Number(row.size),
    createdAt: (row: FileView) => row.createdAt.toISOString(),
    /** Identity resolves the User (null when it is not a user of this site any more). */
    createdBy: (row: FileView) => (row.createdById ? { __typename: "User", id: row.createdById } : null),
    downloadUrl: (row: FileView, args: { expiresIn?: unknown }, ctx: Context) =>
      downloadUrl(ctx, row, args.expiresIn),
  },
  Site: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    /** The addressed site's only: another site's usage is in a schema this request has no business in. */
    storage: async (site: { id: string }, _: unknown, ctx: Context) => {
      if (site.id !== ctx.tenant?.siteId) return null;
      const [used, limits] = await Promise.all([usedBytes(ctx), storageLimits(ctx)]);
      return { used, quota: limits.storageBytes, maxFileSize: limits.maxFileBytes };
    },
  },
};
