import { randomUUID } from "node:crypto";
import { type OwnS3, startOwnS3 } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDisposition, createS3Driver, objectKey, type StorageDriver, sitePrefix } from "../src/index";
import { headersOf, readAll, sha256Hex } from "./helpers";

// s3rver speaks the S3 protocol but verifies neither signatures nor the bounds a presigned URL
// signs; the refusals are tested against the local driver (local.int.test.ts).
let s3: OwnS3;
let driver: StorageDriver;

beforeAll(async () => {
  s3 = await startOwnS3();
  driver = createS3Driver({ ...s3, forcePathStyle: true, pageSize: 2 });
});

afterAll(async () => {
  await driver?.close?.();
  await s3?.close();
});

const upload = async (key: string, body: Buffer, contentType: string) => {
  const put = await driver.presignPut(key, {
    size: body.length,
    contentType,
    sha256: sha256Hex(body),
    expiresInSeconds: 300,
  });
  const response = await fetch(put.url, { method: "PUT", body, headers: headersOf(put.headers) });
  expect(response.status).toBe(200);
  return put;
};

describe("S3 driver", () => {
  it("uploads through a presigned PUT, then heads, reads, downloads and deletes the object", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const body = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const before = Date.now();
    const put = await upload(key, body, "image/svg+xml");

    const signed = new URL(put.url);
    expect(signed.pathname).toBe(`/${s3.bucket}/${key}`);
    expect(signed.searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-length;content-type;host;x-amz-checksum-sha256",
    );
    expect(signed.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(put.headers).toEqual([
      { name: "content-type", value: "image/svg+xml" },
      { name: "x-amz-checksum-sha256", value: Buffer.from(sha256Hex(body), "hex").toString("base64") },
    ]);
    expect(put.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 300_000);

    expect(await driver.head(key)).toEqual({ size: body.length, contentType: "image/svg+xml" });
    expect(sha256Hex(await readAll(await driver.read(key)))).toBe(sha256Hex(body));

    const filename = "Logo «final».svg";
    const url = await driver.presignGet(key, {
      expiresInSeconds: 60,
      filename,
      contentType: "image/svg+xml",
      disposition: "attachment",
    });
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(body);
    expect(download.headers.get("content-disposition")).toBe(contentDisposition("attachment", filename));
    expect(download.headers.get("content-type")).toBe("image/svg+xml");
    expect(download.headers.get("cache-control")).toBe("private");

    await driver.delete(key);
    expect(await driver.head(key)).toBeNull();
    await expect(driver.read(key)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await driver.delete(key);
  });

  it("deletes every object of one site, page by page, and no other site's", async () => {
    const site = randomUUID();
    const neighbour = randomUUID();
    const keys = Array.from({ length: 5 }, () => objectKey(site, randomUUID()));
    const kept = objectKey(neighbour, randomUUID());
    for (const key of [...keys, kept]) await upload(key, Buffer.from(key), "text/plain");

    expect(await driver.deletePrefix(sitePrefix(site))).toBe(5);
    for (const key of keys) expect(await driver.head(key)).toBeNull();
    expect(await driver.head(kept)).toEqual({ size: Buffer.byteLength(kept), contentType: "text/plain" });
    expect(await driver.deletePrefix(sitePrefix(site))).toBe(0);
  });

  it("refuses keys and prefixes of any other shape before asking the store", async () => {
    const options = { size: 1, contentType: "text/plain", sha256: "0".repeat(64), expiresInSeconds: 60 };
    await expect(driver.presignPut(`sites/${randomUUID()}/../x`, options)).rejects.toMatchObject({
      field: "key",
    });
    await expect(driver.head("sites/")).rejects.toMatchObject({ field: "key" });
    await expect(driver.deletePrefix("sites/")).rejects.toMatchObject({ field: "prefix" });
    await expect(driver.deletePrefix("")).rejects.toMatchObject({ field: "prefix" });
  });

  it("answers a browser's CORS preflight for a presigned upload", async () => {
    const key = objectKey(randomUUID(), randomUUID());
    const put = await driver.presignPut(key, {
      size: 1,
      contentType: "image/png",
      sha256: "0".repeat(64),
      expiresInSeconds: 60,
    });
    const preflight = await fetch(put.url, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type,x-amz-checksum-sha256",
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
  });
});
