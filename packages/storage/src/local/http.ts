import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { contentDisposition } from "../content";
import { isObjectKey } from "../keys";
import type { Disk } from "./disk";
import { Aborted, receive, TooLarge } from "./receive";
import { verifyQuery } from "./signing";

export type HandlerOptions = {
  disk: Disk;
  secret: Uint8Array;
  /** The path of the public URL, without a trailing slash: `/storage`. */
  basePath: string;
  maxBytes: number;
  allowedOrigins: readonly string[];
};

type Refusal = { status: number; code: string; message: string };

const refuse = (req: IncomingMessage, res: ServerResponse, { status, code, message }: Refusal): void => {
  // A refused upload whose body has not all arrived: closing beats draining megabytes nobody keeps.
  if (!req.complete) res.setHeader("connection", "close");
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: { code, message } }));
};

const setCors = (req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): void => {
  const origin = req.headers.origin;
  if (allowed.includes("*")) res.setHeader("access-control-allow-origin", "*");
  else if (origin && allowed.includes(origin)) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "origin");
  }
  res.setHeader("access-control-expose-headers", "content-disposition");
};

/**
 * Serves the local store's signed URLs with the semantics of a presigned S3 URL: PUT stores
 * exactly the signed size, type and sha256 (or nothing), GET streams the object as signed.
 * Every response carries nosniff; every refusal a JSON body naming why.
 */
export const createHandler = (o: HandlerOptions) => {
  const put = async (req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams) => {
    const verdict = verifyQuery(o.secret, "PUT", key, query);
    if (!verdict.ok) return refuse(req, res, { status: 403, ...verdict });
    const size = Number(verdict.params.size);
    const { type, sha256 } = verdict.params;
    if (size > o.maxBytes) {
      return refuse(req, res, {
        status: 413,
        code: "TooLarge",
        message: `this store takes at most ${o.maxBytes} bytes`,
      });
    }
    if (req.headers["content-type"] !== type) {
      const message = `content-type must be ${type}, as signed`;
      return refuse(req, res, { status: 400, code: "ContentTypeMismatch", message });
    }
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) !== size) {
      const larger = Number(declared) > size;
      const message = `content-length must be ${size}, as signed`;
      return refuse(req, res, {
        status: larger ? 413 : 400,
        code: larger ? "TooLarge" : "SizeMismatch",
        message,
      });
    }

    const temp = await o.disk.tempPath();
    try {
      let body: Awaited<ReturnType<typeof receive>>;
      try {
        body = await receive(req, temp, size);
      } catch (error) {
        if (error instanceof Aborted) return void res.destroy();
        if (!(error instanceof TooLarge)) throw error;
        const message = `the body is larger than ${size} bytes, as signed`;
        return refuse(req, res, { status: 413, code: "TooLarge", message });
      }
      if (body.received !== size) {
        const message = `the body has ${body.received} bytes, ${size} were signed`;
        return refuse(req, res, { status: 400, code: "SizeMismatch", message });
      }
      if (body.sha256 !== sha256) {
        return refuse(req, res, {
          status: 400,
          code: "ChecksumMismatch",
          message: "the body's sha256 is not the signed one",
        });
      }
      await o.disk.commit(key, temp, type ?? "");
      res.writeHead(200).end();
    } finally {
      await o.disk.discard(temp);
    }
  };

  const get = async (req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams) => {
    const verdict = verifyQuery(o.secret, "GET", key, query);
    if (!verdict.ok) return refuse(req, res, { status: 403, ...verdict });
    const { type, disposition, filename } = verdict.params;
    const object = await o.disk.open(key);
    if (!object)
      return refuse(req, res, { status: 404, code: "NoSuchKey", message: "the object does not exist" });
    res.writeHead(200, {
      "content-type": type ?? "application/octet-stream",
      "content-length": object.size,
      "content-disposition": contentDisposition(
        disposition === "inline" ? "inline" : "attachment",
        filename ?? "",
      ),
      "cache-control": "private",
    });
    // A client that goes away mid-download is not an error of the store.
    await pipeline(object.file.createReadStream(), res).catch(() => undefined);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string) => {
    const key = path.slice(o.basePath.length + 1);
    const query = new URLSearchParams(rawQuery);
    if (!isObjectKey(key)) {
      refuse(req, res, {
        status: 400,
        code: "InvalidKey",
        message: "the path is not sites/<siteId>/<fileId>",
      });
    } else if (req.method === "PUT") await put(req, res, key, query);
    else if (req.method === "GET") await get(req, res, key, query);
    else refuse(req, res, { status: 405, code: "MethodNotAllowed", message: "only GET and PUT" });
  };

  /**
   * True when the request was for the store (its path under the public URL's path). On an
   * unexpected failure (the disk) it answers 500 and rejects, for the caller to log.
   */
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(`${o.basePath}/`)) return false;
    res.setHeader("x-content-type-options", "nosniff");
    setCors(req, res, o.allowedOrigins);
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-methods": "GET, PUT",
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "3600",
      });
      res.end();
      return true;
    }
    try {
      await serve(req, res, path, q < 0 ? "" : url.slice(q + 1));
    } catch (error) {
      if (res.headersSent) res.destroy();
      else refuse(req, res, { status: 500, code: "InternalError", message: "the store failed" });
      throw error;
    }
    return true;
  };
};
