/**
 * Uploads: createUpload reserves the quota and hands out a presigned PUT; completeUpload checks
 * what was stored and makes the file READY, or deletes it. The bytes go from the client to the
 * store directly, never through the gateway or this service (but for the local driver, which is
 * this service).
 */
import { prismaSqlExecutor } from "@taruvi/db";
import { badUserInput, conflict, notFound } from "@taruvi/errors";
import { objectKey } from "@taruvi/storage";
import { auditedSiteChange, diff, requireSite } from "@taruvi/subgraph-kit";
import { isUuid } from "@taruvi/validation";
import type { Context, Tx } from "../context";
import { formatBytes } from "../plans";
import { FILE_VIEW, type FileView } from "./files";
import { parseContentType, parseFileName, parseSha256, parseSize } from "./input";
import { inspectObject } from "./inspect";
import { release, reserve, storageLimits } from "./usage";

export type UploadInput = { name?: unknown; contentType?: unknown; size?: unknown; sha256?: unknown };

/**
 * A PENDING file and a presigned PUT for exactly its size and type, valid for the configured
 * time. Its size is reserved against the quota in the same transaction; past the plan's largest
 * file or its quota: CONFLICT on `plan`, nothing stored.
 */
export const createUpload = async (ctx: Context, input: UploadInput) => {
  const name = parseFileName(input.name);
  const contentType = parseContentType(input.contentType);
  const size = parseSize(input.size);
  const sha256 = parseSha256(input.sha256);
  const site = requireSite(ctx);
  const limits = await storageLimits(ctx);
  if (limits.maxFileBytes !== null && size > limits.maxFileBytes) {
    throw conflict(
      "plan",
      `the ${limits.plan} plan allows files of at most ${formatBytes(limits.maxFileBytes)}; upgrade for larger files`,
    );
  }
  const { storage, uploadExpirySeconds } = ctx.services;
  const expiresAt = new Date(Date.now() + uploadExpirySeconds * 1000);
  return ctx.db.$transaction(async (tx) => {
    await reserve(tx, size, limits);
    const file = await tx.file.create({
      data: {
        name,
        contentType,
        size: BigInt(size),
        sha256,
        uploadExpiresAt: expiresAt,
        createdById: ctx.actor?.type === "user" ? ctx.actor.id : null,
      },
      select: FILE_VIEW,
    });
    // Signed inside the transaction: a store that cannot sign leaves no reservation behind.
    const upload = await storage.presignPut(objectKey(site.siteId, file.id), {
      size,
      contentType,
      sha256,
      expiresInSeconds: uploadExpirySeconds,
    });
    return { file, uploadUrl: upload.url, uploadHeaders: upload.headers, expiresAt: upload.expiresAt };
  });
};

/** Removes a refused upload: its row, its reservation, and (by the retried job) its object. */
const discard = async (ctx: Context, tx: Tx, file: FileView) => {
  const { count } = await tx.file.deleteMany({ where: { id: file.id, status: "PENDING" } });
  if (count === 1) await release(tx, file.size);
  await ctx.services.jobs.send(
    "delete-object",
    { siteId: requireSite(ctx).siteId, fileId: file.id },
    { db: prismaSqlExecutor(tx) },
  );
};

/**
 * Checks the stored object against what createUpload declared and marks the file READY
 * (`file.created`). Nothing stored yet: BAD_USER_INPUT, the upload stays open until it expires.
 * A mismatch (size, SHA-256, media type): BAD_USER_INPUT naming the field, and the upload is
 * deleted. READY already (a retry, or a concurrent call that won): the file as it is.
 */
export const completeUpload = async (ctx: Context, id: unknown): Promise<FileView> => {
  const site = requireSite(ctx);
  const file = isUuid(id) ? await ctx.db.file.findUnique({ where: { id }, select: FILE_VIEW }) : null;
  if (!file) throw notFound("file");
  if (file.status === "READY") return file;
  if (file.uploadExpiresAt.getTime() <= Date.now()) {
    throw badUserInput("id", "the upload expired before it was completed; start again with createUpload");
  }
  const { storage } = ctx.services;
  const key = objectKey(site.siteId, file.id);
  const stored = await storage.head(key);
  if (!stored) throw badUserInput("id", "nothing was uploaded yet: PUT the bytes to uploadUrl first");
  const mismatch = await inspectObject(
    storage,
    key,
    { size: Number(file.size), sha256: file.sha256, contentType: file.contentType },
    stored.size,
  );
  if (mismatch) {
    await ctx.db.$transaction((tx) => discard(ctx, tx, file));
    // Deleted now as well, so a retry of completeUpload finds nothing; the job makes sure of it.
    await storage.delete(key).catch(() => undefined);
    throw badUserInput(
      mismatch.field,
      `${mismatch.why}; the upload was deleted, start again with createUpload`,
    );
  }
  return auditedSiteChange(ctx, async (tx: Tx) => {
    const { count } = await tx.file.updateMany({
      where: { id: file.id, status: "PENDING" },
      data: { status: "READY", completedAt: new Date() },
    });
    const now = await tx.file.findUnique({ where: { id: file.id }, select: FILE_VIEW });
    if (!now) throw notFound("file");
    return {
      result: now,
      audit:
        count === 1
          ? {
              action: "file.created",
              entityType: "File",
              entityId: file.id,
              changes: diff(null, {
                name: file.name,
                contentType: file.contentType,
                size: Number(file.size),
                sha256: file.sha256,
              }),
            }
          : null,
    };
  });
};
