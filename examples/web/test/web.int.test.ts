import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateOrganizationDocument, CreateSiteDocument, createTaruviClient } from "@taruvi/sdk";
import { randomSlug } from "@taruvi/testing";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, strongPassword, type TestStack } from "../../../stack/test/helpers";

// The example app, built with Vite for a real gateway, in headless Chromium: sign in on the
// platform and see your organizations and their sites.

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = mkdtempSync(join(tmpdir(), "taruvi-web-"));

/** Serves `dist` (index.html for anything that is not a file). */
const serveDist = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      const file = join(dist, path === "/" || !extname(path) ? "index.html" : path);
      readFile(file).then(
        (body) => {
          res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
          res.end(body);
        },
        () => {
          res.writeHead(404).end();
        },
      );
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });

let t: TestStack;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  server = await serveDist();
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The gateway answers the example's origin only when CORS allows it.
  t = await startTestStack({ CORS_ORIGINS: origin });
  await build({
    root,
    configFile: false,
    logLevel: "warn",
    mode: "production",
    build: { outDir: dist, emptyOutDir: true },
    define: { "import.meta.env.VITE_TARUVI_URL": JSON.stringify(t.stack.gatewayUrl) },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
  rmSync(dist, { recursive: true, force: true });
});

/** An account with an organization and a site, made through the SDK from Node. */
const accountWithSite = async () => {
  const client = createTaruviClient({ url: t.stack.gatewayUrl });
  const account = { email: `${randomSlug("web")}@example.test`, password: strongPassword() };
  await client.signUp({ ...account, name: "Wendy Web" });
  const { createOrganization: organization } = await client.request(CreateOrganizationDocument, {
    input: { name: `Web Org ${randomSlug("o")}`, slug: randomSlug("org") },
  });
  const { createSite: site } = await client.request(CreateSiteDocument, {
    input: {
      organizationId: organization.id,
      name: `Web Site ${randomSlug("s")}`,
      slug: randomSlug("site"),
      adminEmail: `${randomSlug("admin")}@example.test`,
      adminPassword: strongPassword(),
    },
  });
  return { account, organization, site };
};

describe("examples/web in Chromium", () => {
  it("signs in on the platform and lists the caller's organizations and their sites", async () => {
    const { account, organization, site } = await accountWithSite();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(origin);
      await page.getByLabel("Email").fill(account.email);
      await page.getByLabel("Password").fill(account.password);
      await page.getByRole("button", { name: "Sign in" }).click();

      await page.locator("li.site", { hasText: site.name }).waitFor();
      expect(await page.locator("#who").textContent()).toContain(account.email);
      const organizationText = await page.locator("section.organization").textContent();
      expect(organizationText).toContain(`${organization.name} (${organization.slug})`);
      expect(organizationText).toContain(`${site.defaultHostname} · ACTIVE`);
      expect(await page.locator("#sign-in").isHidden()).toBe(true);

      // The session survives a reload (localStorage), and signing out brings the form back.
      await page.reload();
      await page.locator("li.site", { hasText: site.name }).waitFor();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator("#sign-in").waitFor({ state: "visible" });
      expect(await page.locator("#account").isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("shows the gateway's error for a wrong password", async () => {
    const { account } = await accountWithSite();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(origin);
      await page.getByLabel("Email").fill(account.email);
      await page.getByLabel("Password").fill(`${account.password}-wrong`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("#error").waitFor({ state: "visible" });
      expect(await page.locator("#error").textContent()).toMatch(/^UNAUTHENTICATED: /);
      expect(await page.locator("#account").isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  }, 120_000);
});
