/** What a client must do to upload: PUT the exact bytes to `url`, sending every header listed. */
export type PresignedUpload = {
  url: string;
  /**
   * Headers the client must send as given (they are signed). Content-Length is signed too but
   * not listed: every HTTP client sends it for a body of known size, and browsers refuse to set
   * it by hand. The body must be exactly the declared size, not chunked.
   */
  headers: { name: string; value: string }[];
  expiresAt: Date;
};

export type ObjectHead = { size: number; contentType: string | null };

export type UploadOptions = { size: number; contentType: string; sha256: string; expiresInSeconds: number };

export type DownloadOptions = {
  expiresInSeconds: number;
  filename: string;
  contentType: string;
  disposition: "inline" | "attachment";
};

/**
 * One object store holding every site's files under `sites/<siteId>/<fileId>`. Bytes travel
 * between the client and the store through presigned URLs, never through the GraphQL server;
 * the server reads them back (`head`, `read`) to check what was really stored.
 */
export type StorageDriver = {
  readonly kind: "s3" | "local";
  /** A presigned PUT for exactly `size` bytes of `contentType` (and, where the store can check it, this sha256, hex). */
  presignPut(key: string, o: UploadOptions): Promise<PresignedUpload>;
  /** A presigned GET; `disposition` "attachment" for active content, with the filename (RFC 6266) and content type. */
  presignGet(key: string, o: DownloadOptions): Promise<string>;
  /** Null when the object is missing. */
  head(key: string): Promise<ObjectHead | null>;
  /** The object's bytes, streamed; NOT_FOUND when it is missing. */
  read(key: string): Promise<NodeJS.ReadableStream>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a site's prefix `sites/<siteId>/`, page by page; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  close?(): Promise<void>;
};
