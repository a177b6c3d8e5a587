import { startOwnS3 } from "@taruvi/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../../../stack/test/helpers";
import { accountWithSite, launchChromium, type ServedApp, serveApp } from "./browser";

// The example app's files view in headless Chromium, on each storage driver: a site's admin
// picks a file, the page hashes it, PUTs it straight to the storage server through a presigned
// URL (another origin than the app's and the gateway's: CORS), and lists it READY with a link
// that downloads the same bytes.

/** A 1×1 PNG: bytes the files service recognises as image/png. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082",
  "hex",
);

/** A storage server for the files service: its variables, and its origin (none: the files service's own). */
type Store = { env: Record<string, string>; origin?: string; close: () => Promise<void> };

const DRIVERS: { name: string; start: () => Promise<Store> }[] = [
  // The files service serves /storage itself, on its own port.
  { name: "the local store", start: async () => ({ env: {}, close: async () => {} }) },
  {
    name: "S3 (s3rver)",
    start: async () => {
      const s3 = await startOwnS3();
      return {
        env: s3.filesEnv,
        origin: s3.endpoint,
        close: s3.close,
      };
    },
  },
];

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.each(DRIVERS)("examples/web files in Chromium, on $name", (driver) => {
  let t: TestStack;
  let app: ServedApp;
  let store: Store;
  /** Where uploads and downloads must go: the storage server's origin. */
  let storageOrigin: string;

  beforeAll(async () => {
    app = await serveApp();
    store = await driver.start();
    // The gateway answers the app's origin only when CORS allows it; the store answers any.
    t = await startTestStack({ ...store.env, CORS_ORIGINS: app.origin });
    storageOrigin = store.origin ?? new URL(t.stack.subgraphUrls.files ?? "http://files.invalid").origin;
    await app.build(t.stack.gatewayUrl);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await t?.close();
    await store?.close();
  });

  /** A page signed in as a new site's admin, on the files view; every request it makes recorded. */
  const signedInToFiles = async (
    run: (page: Page, requests: { method: string; url: URL }[]) => Promise<void>,
  ) => {
    const { site, admin } = await accountWithSite(t.stack.gatewayUrl);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const requests: { method: string; url: URL }[] = [];
      page.on("request", (request) =>
        requests.push({ method: request.method(), url: new URL(request.url()) }),
      );
      await page.goto(app.origin);
      await page.getByLabel("Email").fill(admin.email);
      await page.getByLabel("Password").fill(admin.password);
      await page.getByLabel("Site").fill(site.slug);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("#files").waitFor({ state: "visible" });
      await page.locator("#storage", { hasText: "0 bytes of 1 GB used" }).waitFor();
      await run(page, requests);
    } finally {
      await context.close();
    }
  };

  it("uploads a picked file straight to the store and lists it READY with a link to the same bytes", async () => {
    await signedInToFiles(async (page, requests) => {
      await page.getByLabel("File").setInputFiles({ name: "pixel.png", mimeType: "image/png", buffer: PNG });
      await page.getByRole("button", { name: "Upload" }).click();

      const row = page.locator("#file-list tr.file", { hasText: "pixel.png" });
      await row.locator(".status", { hasText: "READY" }).waitFor();
      expect(await row.locator(".size").textContent()).toBe(`${PNG.length} bytes`);
      expect(await page.locator("#upload-status").textContent()).toBe("pixel.png uploaded.");
      expect(await page.locator("#storage").textContent()).toBe(`${PNG.length} bytes of 1 GB used`);
      expect(await page.locator("#error").isHidden()).toBe(true);

      // The bytes went to the storage server, from the app's origin to another: never to the gateway.
      const gateway = new URL(t.stack.gatewayUrl).origin;
      expect(new Set([app.origin, gateway, storageOrigin]).size).toBe(3);
      const puts = requests.filter((r) => r.method === "PUT");
      expect(puts.map((r) => r.url.origin)).toEqual([storageOrigin]);
      expect(requests.filter((r) => r.url.origin === gateway).every((r) => r.method === "POST")).toBe(true);

      // The download link, fetched by the page (cross-origin again), gives back the same bytes.
      const href = (await row.getByRole("link", { name: "Download" }).getAttribute("href")) ?? "";
      expect(new URL(href).origin).toBe(storageOrigin);
      const downloaded = await page.evaluate(async (url) => {
        const response = await fetch(url);
        return { status: response.status, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
      }, href);
      expect(downloaded.status).toBe(200);
      expect(Buffer.from(downloaded.bytes).equals(PNG)).toBe(true);
    });
  }, 120_000);

  it("shows the refusal of a file whose bytes are not the type it claims, and keeps nothing", async () => {
    await signedInToFiles(async (page) => {
      const text = Buffer.from("plain text, not a picture\n");
      await page.getByLabel("File").setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: text });
      await page.getByRole("button", { name: "Upload" }).click();

      await page.locator("#error").waitFor({ state: "visible" });
      expect(await page.locator("#error").textContent()).toBe(
        "BAD_USER_INPUT: contentType: the bytes are not image/png; the upload was deleted, start again with createUpload",
      );
      await page.getByRole("button", { name: "Upload" }).and(page.locator(":enabled")).waitFor();
      expect(await page.locator("#file-list").textContent()).toBe("No files yet.");
      expect(await page.locator("#storage").textContent()).toBe("0 bytes of 1 GB used");
    });
  }, 120_000);
});
