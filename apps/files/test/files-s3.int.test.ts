/**
 * The files service on an S3-compatible store (s3rver, started by the test): uploads through
 * SigV4-presigned PUTs, completion checks against a store that enforces none of the presigned
 * bounds (so every lie reaches completeUpload), downloads, deletion, and CloudFront-signed
 * download URLs verified offline with the key pair's public key.
 */
import { generateKeyPairSync, verify } from "node:crypto";
import { createS3Driver, objectKey, type StorageDriver } from "@taruvi/storage";
import { type OwnS3, startOwnS3 } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSiteWithAdmin,
  createWorld,
  errorOf,
  signedIn,
  startTestStack,
  type TestStack,
} from "../../../stack/test/helpers";
import {
  as,
  type Caller,
  COMPLETE,
  createUpload,
  DELETE,
  dataOf,
  eventually,
  ONE,
  PNG,
  put,
  sha256,
  upload,
  usedBytes,
} from "./helpers";

const { publicKey, privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
});
const CDN = "https://files.cdn.example.com";

let s3: OwnS3;
let t: TestStack;
let store: StorageDriver;
let site: Awaited<ReturnType<typeof createSiteWithAdmin>>;
let admin: Caller;

const s3Env = () => s3.filesEnv;

beforeAll(async () => {
  s3 = await startOwnS3();
  t = await startTestStack(s3Env());
  store = createS3Driver({
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const world = await createWorld(t);
  site = await createSiteWithAdmin(t, world.organization.id);
  admin = {
    site: site.site.slug,
    auth: `Bearer ${(await signedIn(t, site.admin, site.site.slug)).accessToken}`,
  };
});
afterAll(async () => {
  await t?.close();
  await store?.close?.();
  await s3?.close();
});

const keyOf = (fileId: string) => objectKey(site.site.id, fileId);

describe("on S3", () => {
  it("uploads with a presigned PUT straight to the bucket, completes, and downloads with a presigned GET", async () => {
    const ticket = await createUpload(t, admin, PNG);
    expect(ticket.uploadUrl.startsWith(`${s3.endpoint}/${s3.bucket}/sites/${site.site.id}/`)).toBe(true);
    expect(new URL(ticket.uploadUrl).searchParams.get("X-Amz-SignedHeaders")).toContain("content-length");
    expect(ticket.uploadHeaders.map((h) => h.name).sort()).toEqual(["content-type", "x-amz-checksum-sha256"]);
    expect((await put(ticket, PNG)).status).toBe(200);
    const file = dataOf(await as(t, admin, COMPLETE, { id: ticket.file.id })).completeUpload;
    expect(file).toMatchObject({ status: "READY", size: PNG.length, sha256: sha256(PNG) });
    const { downloadUrl } = dataOf(await as(t, admin, ONE, { id: file.id, expiresIn: 600 })).file;
    expect(new URL(downloadUrl).searchParams.get("X-Amz-Expires")).toBe("600");
    const res = await fetch(downloadUrl);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
  });

  it("an SVG downloads as an attachment (the presigned GET names the disposition)", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const file = await upload(t, admin, svg, { name: "logo.svg", contentType: "image/svg+xml" });
    const res = await fetch(dataOf(await as(t, admin, ONE, { id: file.id })).file.downloadUrl);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename/);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
  });
});

describe("completion checks the object, whatever the store let through", () => {
  /** s3rver accepts any PUT to a presigned URL: the lie arrives, completeUpload must catch it. */
  const refused = async (declared: Buffer, sent: Buffer, contentType: string, field: string) => {
    const before = await usedBytes(t, admin);
    const ticket = await createUpload(t, admin, declared, { contentType, name: "upload.bin" });
    const stored = await fetch(ticket.uploadUrl, {
      method: "PUT",
      // What a client bent on lying sends: its own bytes and headers.
      headers: { "content-type": contentType },
      body: sent,
    });
    expect(stored.status).toBe(200);
    expect(await store.head(keyOf(ticket.file.id))).not.toBeNull();
    const res = await as(t, admin, COMPLETE, { id: ticket.file.id });
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(dataOf(await as(t, admin, ONE, { id: ticket.file.id })).file).toBeNull();
    expect(await usedBytes(t, admin)).toBe(before);
    expect(await store.head(keyOf(ticket.file.id))).toBeNull();
  };

  it("more bytes than declared: refused on size, the object deleted", () =>
    refused(PNG, Buffer.concat([PNG, Buffer.alloc(1000)]), "image/png", "size"));
  it("other bytes of the same size: refused on sha256", () =>
    refused(PNG, Buffer.from(PNG).fill(7, 40), "image/png", "sha256"));
  it("a PNG declared as application/pdf: refused on contentType", async () => {
    const before = await usedBytes(t, admin);
    const ticket = await createUpload(t, admin, PNG, { contentType: "application/pdf", name: "doc.pdf" });
    expect((await put(ticket, PNG)).status).toBe(200);
    const res = await as(t, admin, COMPLETE, { id: ticket.file.id });
    expect(errorOf(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "contentType" });
    expect(errorOf(res)?.message).toContain("the bytes are image/png");
    expect(await usedBytes(t, admin)).toBe(before);
    expect(await store.head(keyOf(ticket.file.id))).toBeNull();
  });

  it("deleteFile removes the object from the bucket (the retried job)", async () => {
    const file = await upload(t, admin, PNG);
    expect(await store.head(keyOf(file.id))).toMatchObject({ size: PNG.length });
    expect(dataOf(await as(t, admin, DELETE, { id: file.id })).deleteFile).toBe(true);
    expect(await eventually(async () => (await store.head(keyOf(file.id))) === null)).toBe(true);
  });
});

describe("with a CloudFront distribution in front of the bucket", () => {
  let cdn: TestStack;
  let caller: Caller;

  beforeAll(async () => {
    cdn = await startTestStack({
      ...s3Env(),
      FILES_CDN_URL: CDN,
      FILES_CDN_KEY_PAIR_ID: "K2JCJMDEHXQW5F",
      // One line, as an environment variable holds it.
      FILES_CDN_PRIVATE_KEY: privateKey.replaceAll("\n", "\\n"),
    });
    const world = await createWorld(cdn);
    const made = await createSiteWithAdmin(cdn, world.organization.id);
    caller = {
      site: made.site.slug,
      auth: `Bearer ${(await signedIn(cdn, made.admin, made.site.slug)).accessToken}`,
    };
  });
  afterAll(() => cdn?.close());

  it("downloadUrl is a CloudFront signed URL (canned policy) that verifies with the public key", async () => {
    const file = await upload(cdn, caller, PNG);
    const before = Math.floor(Date.now() / 1000);
    const signed: string = dataOf(await as(cdn, caller, ONE, { id: file.id, expiresIn: 3600 })).file
      .downloadUrl;
    const url = new URL(signed);
    expect(url.origin).toBe(CDN);
    expect(url.pathname).toMatch(/^\/sites\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
    const expires = Number(url.searchParams.get("Expires"));
    expect(expires).toBeGreaterThanOrEqual(before + 3600);
    expect(url.searchParams.get("Key-Pair-Id")).toBe("K2JCJMDEHXQW5F");
    // What CloudFront checks: RSA-SHA1 over the canned policy of the URL without its signing parameters.
    const [base] = signed.split(/[?&]Expires=/);
    const policy = JSON.stringify({
      Statement: [{ Resource: base, Condition: { DateLessThan: { "AWS:EpochTime": expires } } }],
    });
    const signature = Buffer.from(
      (url.searchParams.get("Signature") ?? "").replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"),
      "base64",
    );
    expect(verify("RSA-SHA1", Buffer.from(policy), publicKey, signature)).toBe(true);
    expect(
      verify(
        "RSA-SHA1",
        Buffer.from(policy.replace(String(expires), String(expires + 1))),
        publicKey,
        signature,
      ),
    ).toBe(false);
  });
});
