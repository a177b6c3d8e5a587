import type { IncomingMessage, ServerResponse } from "node:http";
import { notFound } from "@taruvi/errors";
import { assertDownload, assertUpload } from "../content";
import type { StorageDriver } from "../driver";
import { assertObjectKey, assertSitePrefix } from "../keys";
import { createDisk } from "./disk";
import { createHandler } from "./http";
import { signedQuery } from "./signing";

export type LocalDriverOptions = {
  /** Where objects live: `dir/sites/<siteId>/<fileId>`. */
  dir: string;
  /**
   * Where `handle` is reachable, with a path of its own: `http://localhost:4105/storage`; a
   * function when it is known only later (the port a server was given), read on first use.
   */
  publicUrl: string | (() => string);
  /** The HMAC key of the signed URLs: at least 32 bytes. */
  secret: string | Uint8Array;
  /** The largest upload signed or accepted; 5 GiB (S3's single-PUT limit) by default. */
  maxBytes?: number;
  /** Origins a browser may upload and download from; `*` (any) by default, safe for signed URLs. */
  allowedOrigins?: readonly string[];
};

export type LocalDriver = StorageDriver & {
  /** Serves the signed URLs; true if it was a storage request (path under publicUrl's path). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
};

/**
 * Objects on the local disk behind HMAC-SHA256-signed, expiring URLs, for `npm start` without
 * an S3 store: the same presigned semantics (method, key, expiry, size, type and sha256 or
 * filename and disposition bound into the signature), served by the app that mounts `handle`.
 */
export const createLocalDriver = (o: LocalDriverOptions): LocalDriver => {
  const secret = typeof o.secret === "string" ? Buffer.from(o.secret, "utf8") : o.secret;
  if (secret.length < 32) throw new Error("the local storage secret must have at least 32 bytes");
  let resolved: { publicUrl: string; basePath: string } | null = null;
  const where = () => {
    if (resolved) return resolved;
    const base = new URL(typeof o.publicUrl === "function" ? o.publicUrl() : o.publicUrl);
    const basePath = base.pathname.replace(/\/+$/, "");
    if (basePath === "")
      throw new Error("the local storage publicUrl needs a path of its own, e.g. /storage");
    resolved = { publicUrl: `${base.origin}${basePath}`, basePath };
    return resolved;
  };
  // A URL given as a string is checked at once.
  if (typeof o.publicUrl === "string") where();
  const maxBytes = o.maxBytes ?? 5 * 1024 ** 3;
  const disk = createDisk(o.dir);
  const expiry = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

  return {
    kind: "local",
    handle: createHandler({
      disk,
      secret,
      basePath: () => where().basePath,
      maxBytes,
      allowedOrigins: o.allowedOrigins ?? ["*"],
    }),

    async presignPut(key, options) {
      const { size, contentType, sha256, expiresInSeconds } = assertUpload(options, maxBytes);
      const expires = expiry(expiresInSeconds);
      const params = { expires: String(expires), size: String(size), type: contentType, sha256 };
      return {
        url: `${where().publicUrl}/${assertObjectKey(key)}?${signedQuery(secret, "PUT", key, params)}`,
        // The sha256 is in the signed URL and checked against the body: no header carries it.
        headers: [{ name: "content-type", value: contentType }],
        expiresAt: new Date(expires * 1000),
      };
    },

    async presignGet(key, options) {
      const { expiresInSeconds, filename, contentType, disposition } = assertDownload(options);
      const params = { expires: String(expiry(expiresInSeconds)), type: contentType, disposition, filename };
      return `${where().publicUrl}/${assertObjectKey(key)}?${signedQuery(secret, "GET", key, params)}`;
    },

    head: (key) => disk.head(assertObjectKey(key)),

    async read(key) {
      const object = await disk.open(assertObjectKey(key));
      if (!object) throw notFound("object");
      return object.file.createReadStream();
    },

    delete: (key) => disk.remove(assertObjectKey(key)),

    deletePrefix: (prefix) => disk.removePrefix(assertSitePrefix(prefix)),
  };
};
