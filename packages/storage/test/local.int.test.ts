import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { contentDisposition, createLocalDriver, type LocalDriver, objectKey, sitePrefix } from "../src/index";
import { headersOf, readAll, sha256Hex } from "./helpers";

let dir: string;
let server: Server;
let origin: string;
/** The server side of the latest connection, to see how much of a body the store read. */
let lastSocket: Socket | undefined;
let driver: LocalDriver;
/** A second store on the same server, answering only one origin's browsers. */
let restricted: LocalDriver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "taruvi-storage-"));
  server = createServer(async (req, res) => {
    if ((await driver.handle(req, res)) || (await restricted.handle(req, res))) return;
    res.writeHead(404).end("not storage");
  });
  server.on("connection", (socket: Socket) => {
    lastSocket = socket;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const secret = randomBytes(32);
  driver = createLocalDriver({ dir, publicUrl: `${origin}/storage`, secret, maxBytes: 1024 });
  restricted = createLocalDriver({
    dir: join(dir, "restricted"),
    publicUrl: `${origin}/restricted/`,
    secret,
    allowedOrigins: ["https://app.example.com"],
  });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

const body = Buffer.from("\x89PNG\r\n\x1a\n not really a picture");
const uploadOptions = (bytes: Buffer = body, contentType = "image/png") => ({
  size: bytes.length,
  contentType,
  sha256: sha256Hex(bytes),
  expiresInSeconds: 300,
});

/** A request exactly as given: the path unnormalized, the body chunked unless a length is set. */
const raw = (
  method: string,
  path: string,
  headers: Record<string, string> = {},
  chunks: Buffer[] = [],
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    const req = request({ hostname, port, path, method, headers }, (res) => {
      readAll(res).then(
        (text) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.toString() }),
        reject,
      );
    });
    req.once("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });

const errorCode = (text: string): string => (JSON.parse(text) as { error: { code: string } }).error.code;

/** Nothing of a refused upload remains: no object, no partial file. */
const expectNothingStored = async (key: string) => {
  expect(await driver.head(key)).toBeNull();
  expect(await readdir(join(dir, ".partial")).catch(() => [])).toEqual([]);
};

const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe("local driver: the happy path", () => {
  it("stores a presigned PUT, then heads, reads, downloads and deletes it", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, uploadOptions());
    expect(put.url.startsWith(`${origin}/storage/${key}?`)).toBe(true);
    expect(put.headers).toEqual([{ name: "content-type", value: "image/png" }]);

    const stored = await fetch(put.url, { method: "PUT", body, headers: headersOf(put.headers) });
    expect(stored.status).toBe(200);
    expect(stored.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await driver.head(key)).toEqual({ size: body.length, contentType: "image/png" });
    expect(sha256Hex(await readAll(await driver.read(key)))).toBe(sha256Hex(body));

    const url = await driver.presignGet(key, {
      expiresInSeconds: 60,
      filename: "photo été.png",
      contentType: "image/png",
      disposition: "inline",
    });
    const download = await fetch(url, { headers: { origin: "http://localhost:5173" } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(body);
    expect(Object.fromEntries(download.headers)).toMatchObject({
      "content-type": "image/png",
      "content-length": String(body.length),
      "content-disposition": contentDisposition("inline", "photo été.png"),
      "x-content-type-options": "nosniff",
      "cache-control": "private",
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "content-disposition",
    });

    await driver.delete(key);
    await driver.delete(key);
    expect(await driver.head(key)).toBeNull();
    await expect(driver.read(key)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(errorCode(await gone.text())).toBe("NoSuchKey");
  });

  it("counts a chunked body and stores it when it is exactly the signed size", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, uploadOptions());
    const response = await raw("PUT", pathOf(put.url), headersOf(put.headers), [
      body.subarray(0, 5),
      body.subarray(5),
    ]);
    expect(response.status).toBe(200);
    expect(await driver.head(key)).toEqual({ size: body.length, contentType: "image/png" });
  });

  it("serves active content as an attachment with nosniff", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const html = Buffer.from("<script>alert(document.domain)</script>");
    const put = await driver.presignPut(key, uploadOptions(html, "text/html"));
    expect(
      (await fetch(put.url, { method: "PUT", body: html, headers: headersOf(put.headers) })).status,
    ).toBe(200);
    const url = await driver.presignGet(key, {
      expiresInSeconds: 60,
      filename: "page.html",
      contentType: "text/html",
      disposition: "attachment",
    });
    const download = await fetch(url);
    expect(download.headers.get("content-disposition")).toBe(contentDisposition("attachment", "page.html"));
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("deletes one site's objects and no other's", async () => {
    const site = randomUUID();
    const keys = [objectKey(site, randomUUID()), objectKey(site, randomUUID())];
    const kept = objectKey(randomUUID(), randomUUID());
    for (const key of [...keys, kept]) {
      const put = await driver.presignPut(key, uploadOptions());
      expect((await fetch(put.url, { method: "PUT", body, headers: headersOf(put.headers) })).status).toBe(
        200,
      );
    }
    expect(await driver.deletePrefix(sitePrefix(site))).toBe(2);
    for (const key of keys) expect(await driver.head(key)).toBeNull();
    expect(await driver.head(kept)).not.toBeNull();
    expect(await driver.deletePrefix(sitePrefix(site))).toBe(0);
  });

  it("answers CORS preflights, and only allowed origins when configured", async () => {
    const preflight = await raw("OPTIONS", `/storage/${objectKey(randomUUID(), randomUUID())}?x=1`, {
      origin: "http://localhost:5173",
      "access-control-request-method": "PUT",
      "access-control-request-headers": "content-type",
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, PUT",
      "access-control-allow-headers": "content-type",
    });

    const path = `/restricted/${objectKey(randomUUID(), randomUUID())}`;
    const allowed = await raw("OPTIONS", path, { origin: "https://app.example.com" });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers.vary).toBe("origin");
    const other = await raw("OPTIONS", path, { origin: "https://evil.example" });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("leaves requests outside its path to the app", async () => {
    const response = await raw("GET", "/storagex/anything");
    expect(response).toMatchObject({ status: 404, body: "not storage" });
  });
});

describe("local driver: refusals store nothing", () => {
  const attempt = async (change: (url: URL) => void, init: { body?: Buffer; contentType?: string } = {}) => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, uploadOptions());
    const url = new URL(put.url);
    change(url);
    const response = await fetch(url, {
      method: "PUT",
      body: init.body ?? body,
      headers: { "content-type": init.contentType ?? "image/png" },
    });
    await expectNothingStored(key);
    return { status: response.status, code: errorCode(await response.text()) };
  };

  it("refuses a tampered signature", async () => {
    const result = await attempt((url) => {
      const signature = url.searchParams.get("signature") ?? "";
      url.searchParams.set("signature", `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`);
    });
    expect(result).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses a URL whose signed size, type or expiry was changed", async () => {
    for (const [field, value] of [
      ["size", "1000"],
      ["type", "text/html"],
      ["expires", "9999999999"],
    ] as const) {
      const result = await attempt((url) => url.searchParams.set(field, value));
      expect(result).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    }
    expect(await attempt((url) => url.searchParams.delete("sha256"))).toEqual({
      status: 403,
      code: "SignatureDoesNotMatch",
    });
  });

  it("refuses an expired URL", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, uploadOptions());
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(put.expiresAt);
    const response = await fetch(put.url, { method: "PUT", body, headers: headersOf(put.headers) });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "Expired", message: "the URL has expired" } });
    await expectNothingStored(key);
  });

  it("refuses a content type other than the signed one", async () => {
    expect(await attempt(() => undefined, { contentType: "text/html" })).toEqual({
      status: 400,
      code: "ContentTypeMismatch",
    });
  });

  it("refuses a body shorter or longer than signed, by Content-Length", async () => {
    expect(await attempt(() => undefined, { body: body.subarray(1) })).toEqual({
      status: 400,
      code: "SizeMismatch",
    });
    expect(await attempt(() => undefined, { body: Buffer.concat([body, body]) })).toEqual({
      status: 413,
      code: "TooLarge",
    });
  });

  it("counts a chunked body and refuses it beyond or short of the signed size", async () => {
    for (const [chunks, status, code] of [
      [[body, Buffer.from("!")], 413, "TooLarge"],
      [[body.subarray(0, 4), body.subarray(4, -1)], 400, "SizeMismatch"],
    ] as const) {
      const key = objectKey(randomUUID(), randomUUID());
      const put = await driver.presignPut(key, uploadOptions());
      const response = await raw("PUT", pathOf(put.url), headersOf(put.headers), [...chunks]);
      expect(response.status).toBe(status);
      expect(errorCode(response.body)).toBe(code);
      await expectNothingStored(key);
    }
  });

  it("stops reading an oversized chunked upload soon after the signed size", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = new URL((await driver.presignPut(key, uploadOptions())).url);
    const sent = 16 * 1024 * 1024;
    const { hostname, port } = put;
    const outcome = await new Promise<string>((resolve) => {
      const path = `${put.pathname}${put.search}`;
      const req = request({
        hostname,
        port,
        path,
        method: "PUT",
        agent: false,
        headers: { "content-type": "image/png" },
      });
      req.once("response", (res) =>
        readAll(res).then((text) => resolve(`${res.statusCode} ${errorCode(text.toString())}`)),
      );
      // The store may close the connection while the client still writes; that is a refusal too.
      req.on("error", () => resolve("connection closed"));
      const chunk = Buffer.alloc(64 * 1024);
      let written = 0;
      const write = () => {
        while (written < sent) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
        req.end();
      };
      write();
    });
    expect(["413 TooLarge", "connection closed"]).toContain(outcome);
    expect(lastSocket?.bytesRead).toBeLessThan(sent / 8);
    await expectNothingStored(key);
  });

  it("refuses other bytes of the signed size (sha256)", async () => {
    const other = Buffer.from(body);
    other[other.length - 1] = 0;
    expect(await attempt(() => undefined, { body: other })).toEqual({
      status: 400,
      code: "ChecksumMismatch",
    });
  });

  it("refuses to sign more than the store takes", async () => {
    const big = Buffer.alloc(1025);
    await expect(
      driver.presignPut(objectKey(randomUUID(), randomUUID()), uploadOptions(big)),
    ).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "size",
    });
  });
});

describe("local driver: no URL of one site reaches another's objects", () => {
  const storeObject = async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, uploadOptions());
    expect((await fetch(put.url, { method: "PUT", body, headers: headersOf(put.headers) })).status).toBe(200);
    return key;
  };
  const download = {
    expiresInSeconds: 60,
    filename: "a.png",
    contentType: "image/png",
    disposition: "inline",
  } as const;

  it("refuses a valid signature moved onto another site's key", async () => {
    const victim = await storeObject();
    const [, victimSite, victimFile] = victim.split("/");
    const ownKey = objectKey(randomUUID(), victimFile ?? "");
    const get = new URL(await driver.presignGet(ownKey, download));
    get.pathname = `/storage/sites/${victimSite}/${victimFile}`;
    const read = await fetch(get);
    expect(read.status).toBe(403);
    expect(errorCode(await read.text())).toBe("SignatureDoesNotMatch");

    const put = new URL((await driver.presignPut(ownKey, uploadOptions())).url);
    put.pathname = `/storage/${victim}`;
    const overwrite = await fetch(put, {
      method: "PUT",
      body: Buffer.alloc(body.length),
      headers: { "content-type": "image/png" },
    });
    expect(overwrite.status).toBe(403);
    expect(sha256Hex(await readAll(await driver.read(victim)))).toBe(sha256Hex(body));
  });

  it("refuses paths that climb out of the key shape", async () => {
    const victim = await storeObject();
    const [, victimSite, victimFile] = victim.split("/");
    const ownSite = randomUUID();
    const signed = new URL(await driver.presignGet(objectKey(ownSite, victimFile ?? ""), download));
    for (const path of [
      `/storage/sites/${ownSite}/../${victimSite}/${victimFile}`,
      `/storage/sites/${ownSite}/%2e%2e/${victimSite}/${victimFile}`,
      `/storage/sites/${ownSite}/${victimFile}/../../${victimSite}/${victimFile}`,
      `/storage/sites/${victimSite}//${victimFile}`,
      `/storage/${victim}.type`,
      "/storage/.partial/x",
    ]) {
      const response = await raw("GET", `${path}${signed.search}`);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(errorCode(response.body)).toBe("InvalidKey");
    }
  });

  it("binds the method and the download's disposition into the signature", async () => {
    const key = await storeObject();
    const get = new URL(await driver.presignGet(key, { ...download, disposition: "attachment" }));
    const put = await fetch(get, { method: "PUT", body, headers: { "content-type": "image/png" } });
    expect(put.status).toBe(403);

    get.searchParams.set("disposition", "inline");
    expect((await fetch(get)).status).toBe(403);

    const upload = await driver.presignPut(key, uploadOptions());
    expect((await fetch(upload.url)).status).toBe(403);
  });
});
