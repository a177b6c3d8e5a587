import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../../../stack/test/helpers";
import { accountWithSite, launchChromium, type ServedApp, serveApp } from "./browser";

// The example app, built with Vite for a real gateway, in headless Chromium: sign in on the
// platform and see your organizations and their sites.

let t: TestStack;
let app: ServedApp;
let browser: Browser;

beforeAll(async () => {
  app = await serveApp();
  // The gateway answers the example's origin only when CORS allows it.
  t = await startTestStack({ CORS_ORIGINS: app.origin });
  await app.build(t.stack.gatewayUrl);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.close();
});

describe("examples/web in Chromium", () => {
  it("signs in on the platform and lists the caller's organizations and their sites", async () => {
    const { account, organization, site } = await accountWithSite(t.stack.gatewayUrl);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(app.origin);
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
    const { account } = await accountWithSite(t.stack.gatewayUrl);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(app.origin);
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
