import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError, notFound } from "@taruvi/errors";
import { assertDownload, assertUpload, contentDisposition } from "./content";
import type { StorageDriver } from "./driver";
import { assertObjectKey, assertSitePrefix } from "./keys";

/** The largest object one PUT may create on S3. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

export type S3DriverOptions = {
  bucket: string;
  region: string;
  /** For MinIO, R2 or a test server; AWS S3 when unset. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`): MinIO and most local servers need them. */
  forcePathStyle?: boolean;
  /** Both or neither: without them the SDK's default chain (env, profile, instance role) is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Objects listed and deleted per request in `deletePrefix` (at most 1000, the S3 maximum). */
  pageSize?: number;
};

const isMissing = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === "NotFound" ||
    error.name === "NoSuchKey" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

/**
 * Objects in one bucket of an S3-compatible store (AWS S3, MinIO, R2), read and written by
 * clients through presigned URLs.
 */
export const createS3Driver = (o: S3DriverOptions): StorageDriver => {
  const pageSize = Math.min(o.pageSize ?? 1000, 1000);
  const client = new S3Client({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? false,
    ...(o.accessKeyId && o.secretAccessKey
      ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
      : {}),
    // The SDK otherwise adds CRC checksums of its own to every request (and presigned URL), which
    // several S3-compatible stores reject; the upload's own SHA-256 is set explicitly below.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = o.bucket;

  return {
    kind: "s3",

    async presignPut(key, options) {
      const { size, contentType, sha256, expiresInSeconds } = assertUpload(options, MAX_PUT_BYTES);
      const checksum = Buffer.from(sha256, "hex").toString("base64");
      const expiresAt = new Date(Date.now() + expiresInSeconds * 1000);
      const command = new PutObjectCommand({
        Bucket,
        Key: assertObjectKey(key),
        ContentType: contentType,
        ContentLength: size,
        ChecksumSHA256: checksum,
      });
      // Content-Type and Content-Length are signed headers, so S3 refuses any other type or
      // size; the presigner leaves content-type unsigned unless told. The checksum header stays
      // a signed header rather than a query parameter: S3 only verifies it as a header.
      const url = await getSignedUrl(client, command, {
        expiresIn: expiresInSeconds,
        signableHeaders: new Set(["content-type", "content-length"]),
        unhoistableHeaders: new Set(["x-amz-checksum-sha256"]),
      });
      return {
        url,
        headers: [
          { name: "content-type", value: contentType },
          { name: "x-amz-checksum-sha256", value: checksum },
        ],
        expiresAt,
      };
    },

    // S3 cannot add `X-Content-Type-Options: nosniff` to one GET (only response-content-type,
    // -disposition, -cache-control and a few others can be overridden), so active content relies
    // on the attachment disposition and the exact content type; behind CloudFront a response
    // headers policy adds nosniff.
    async presignGet(key, options) {
      const { expiresInSeconds, filename, contentType, disposition } = assertDownload(options);
      const command = new GetObjectCommand({
        Bucket,
        Key: assertObjectKey(key),
        ResponseContentType: contentType,
        ResponseContentDisposition: contentDisposition(disposition, filename),
        ResponseCacheControl: "private",
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },

    async head(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: assertObjectKey(key) }));
        return { size: head.ContentLength ?? 0, contentType: head.ContentType ?? null };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async read(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: assertObjectKey(key) }));
        if (!(object.Body instanceof Readable))
          throw new AppError("INTERNAL_SERVER_ERROR", "S3 body is not a stream");
        return object.Body;
      } catch (error) {
        if (isMissing(error)) throw notFound("object");
        throw error;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: assertObjectKey(key) }));
    },

    // ListObjects (v1) with the last key as marker rather than V2's continuation tokens: both
    // work on every S3-compatible store, and s3rver's V2 tokens need a cipher OpenSSL 3 refuses.
    async deletePrefix(prefix) {
      const Prefix = assertSitePrefix(prefix);
      let deleted = 0;
      let Marker: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectsCommand({ Bucket, Prefix, MaxKeys: pageSize, Marker }));
        const keys = (page.Contents ?? []).flatMap((c) => (c.Key ? [c.Key] : []));
        if (keys.length === 0) return deleted;
        const result = await client.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          throw new AppError(
            "INTERNAL_SERVER_ERROR",
            `S3 refused to delete ${failed.length} objects under ${Prefix}: ${failed[0]?.Code}`,
          );
        }
        deleted += keys.length;
        if (!page.IsTruncated) return deleted;
        Marker = keys.at(-1);
      }
    },

    async close() {
      client.destroy();
    },
  };
};
