import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { sendError } from "@taruvi/http";

/** Where `npm run build` puts the console (apps/console/dist), from the source and from a build. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** The console's paths: /console, /console/ and anything under it. */
export const isConsolePath = (pathname: string): boolean =>
  pathname === "/console" || pathname.startsWith("/console/");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

const NONCE = Symbol("console CSP nonce");
type WithNonce = ServerResponse & { [NONCE]?: string };

/**
 * A fresh nonce for this response: the console's CSP allows `<style>` elements carrying it. React
 * Aria adds two small ones at run time (touch-action for pressables), reading the nonce from
 * `<meta name="csp-nonce">`, which the served index.html carries. Scripts stay 'self' only.
 */
export const assignCspNonce = (res: ServerResponse): string => {
  const nonce = randomBytes(16).toString("base64");
  (res as WithNonce)[NONCE] = nonce;
  return nonce;
};

/** The response's nonce (assignCspNonce); a new one if none was assigned. */
export const cspNonceOf = (res: ServerResponse): string => (res as WithNonce)[NONCE] ?? assignCspNonce(res);

export const CONSOLE_NOT_BUILT =
  "The console is not built: run `npm run build` (or `npm run build -w @taruvi/console`) and restart the gateway";

/**
 * Serves the console's static build from `dir`: files under /console/assets/ (hashed names,
 * cached for a year), anything else without an extension is the app's index.html (its own
 * routes), never cached. Without a build every console path answers 404 saying how to build it;
 * the rest of the gateway is unaffected. Paths never leave `dir`.
 */
export const consoleHandler = (dir: string) => {
  const root = resolve(dir);
  const built = () => existsSync(join(root, "index.html"));
  const serve = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      sendError(res, 405, "METHOD_NOT_ALLOWED", "use GET");
      return;
    }
    if (!built()) {
      sendError(res, 404, "NOT_FOUND", CONSOLE_NOT_BUILT);
      return;
    }
    const relative = normalize(decodeURIComponent(pathname.slice("/console".length) || "/"));
    const file = extname(relative) ? join(root, relative) : join(root, "index.html");
    if (file !== root && !file.startsWith(root + sep)) {
      sendError(res, 404, "NOT_FOUND", "no such file");
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      sendError(res, 404, "NOT_FOUND", "no such file in the console");
      return;
    }
    if (file.endsWith(".html")) {
      const html = body
        .toString("utf8")
        .replace("<head>", `<head>\n    <meta name="csp-nonce" content="${cspNonceOf(res)}" />`);
      body = Buffer.from(html, "utf8");
    }
    res.statusCode = 200;
    res.setHeader("content-type", TYPES[extname(file)] ?? "application/octet-stream");
    res.setHeader("content-length", body.length);
    res.setHeader(
      "cache-control",
      relative.startsWith(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
    );
    res.end(req.method === "HEAD" ? undefined : body);
  };
  return { built, serve };
};
