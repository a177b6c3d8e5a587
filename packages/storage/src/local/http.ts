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
  /** The path the routes live under (`/storage`). */
  basePath: () => string;
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
  /** What the request's headers say against what was signed, before any byte is read. */
  const checkHeaders = (req: IncomingMessage, size: number, type: string): Refusal | null => {
    if (size > o.maxBytes) {
      return { status: 413, code: "TooLarge", message: `this store takes at most ${o.maxBytes} bytes` };
    }
    if (req.headers["content-type"] !== type) {
      return { status: 400, code: "ContentTypeMismatch", message: `content-type must be ${type}, as signed` };
    }
    const declared = req.headers["content-length"];
    if (declared === undefined || Number(declared) === size) return null;
    const message = `content-length must be ${size}, as signed`;
    return Number(declared) > size
      ? { status: 413, code: "TooLarge", message }
      : { status: 400, code: "SizeMismatch", message };
  };

  /**
   * Receives the body into a temporary file and makes it the object only if it is exactly what
   * was signed; the temporary file is gone before the caller answers, whatever happened.
   */
  const store = async (
    req: IncomingMessage,
    key: string,
    { size, type, sha256 }: { size: number; type: string; sha256: string },
  ): Promise<Refusal | "aborted" | null> => {
    const temp = await o.disk.tempPath();
    try {
      const body = await receive(req, temp, size);
      if (body.received !== size) {
        return {
          status: 400,
          code: "SizeMismatch",
          message: `the body has ${body.received} bytes, ${size} were signed`,
        };
      }
      if (body.sha256 !== sha256) {
        return { status: 400, code: "ChecksumMismatch", message: "the body's sha256 is not the signed one" };
      }
      await o.disk.commit(key, temp, type);
      return null;
    } catch (error) {
      if (error instanceof Aborted) return "aborted";
      if (!(error instanceof TooLarge)) throw error;
      return { status: 413, code: "TooLarge", message: `the body is larger than ${size} bytes, as signed` };
    } finally {
      await o.disk.discard(temp);
    }
  };

  const put = async (req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams) => {
    const verdict = verifyQuery(o.secret, "PUT", key, query);
    if (!verdict.ok) return refuse(req, res, { status: 403, code: verdict.code, message: verdict.message });
    const signed = {
      size: Number(verdict.params.size),
      type: verdict.params.type ?? "",
      sha256: verdict.params.sha256 ?? "",
    };
    const outcome = checkHeaders(req, signed.size, signed.type) ?? (await store(req, key, signed));
    if (outcome === "aborted") res.destroy();
    else if (outcome) refuse(req, res, outcome);
    else res.writeHead(200).end();
  };

  const get = async (req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams) => {
    const verdict = verifyQuery(o.secret, "GET", key, query);
    if (!verdict.ok) return refuse(req, res, { status: 403, code: verdict.code, message: verdict.message });
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
    const key = path.slice(o.basePath().length + 1);
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
    if (!path.startsWith(`${o.basePath()}/`)) return false;
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
