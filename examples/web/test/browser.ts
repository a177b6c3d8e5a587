/**
 * What the example's browser tests share: the app built with Vite for a given gateway and served
 * from an origin of its own, headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH), and an
 * account with an organization and a site made through the SDK.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateOrganizationDocument, CreateSiteDocument, createTaruviClient } from "@taruvi/sdk";
import { randomSlug } from "@taruvi/testing";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { strongPassword } from "../../../stack/test/helpers";
import { sdkSourceAlias } from "../vite.config";

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

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });

export type ServedApp = {
  /** `http://127.0.0.1:<port>`: the gateway's CORS_ORIGINS must name it. */
  origin: string;
  /** Builds the app for this gateway endpoint into the served folder. */
  build: (gatewayUrl: string) => Promise<void>;
  close: () => Promise<void>;
};

/** Serves the built app (index.html for anything that is not a file) on a free port. */
export const serveApp = async (): Promise<ServedApp> => {
  const dist = mkdtempSync(join(tmpdir(), "taruvi-web-"));
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    build: async (gatewayUrl) => {
      await build({
        root,
        configFile: false,
        logLevel: "warn",
        mode: "production",
        build: { outDir: dist, emptyOutDir: true },
        define: { "import.meta.env.VITE_TARUVI_URL": JSON.stringify(gatewayUrl) },
        resolve: { alias: sdkSourceAlias },
      });
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dist, { recursive: true, force: true });
    },
  };
};

/** An account with an organization and a site (and the site's admin), made through the SDK from Node. */
export const accountWithSite = async (gatewayUrl: string) => {
  const client = createTaruviClient({ url: gatewayUrl });
  const account = { email: `${randomSlug("web")}@example.test`, password: strongPassword() };
  await client.signUp({ ...account, name: "Wendy Web" });
  const { createOrganization: organization } = await client.request(CreateOrganizationDocument, {
    input: { name: `Web Org ${randomSlug("o")}`, slug: randomSlug("org") },
  });
  const admin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
  const { createSite: site } = await client.request(CreateSiteDocument, {
    input: {
      organizationId: organization.id,
      name: `Web Site ${randomSlug("s")}`,
      slug: randomSlug("site"),
      adminEmail: admin.email,
      adminPassword: admin.password,
    },
  });
  return { account, organization, site, admin };
};
