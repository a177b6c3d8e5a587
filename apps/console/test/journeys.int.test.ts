import { createTestAccount, randomSlug, startOwnS3 } from "@taruvi/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantDirectly, siteUser } from "../../../stack/test/fixtures";
import {
  createSiteWithAdmin,
  signedInAccount,
  startTestStack,
  type TestStack,
} from "../../../stack/test/helpers";
import {
  buildConsole,
  launchChromium,
  openSection,
  screenshot,
  seriousViolations,
  signIn,
  tick,
  watchCsp,
} from "./harness";

// One journey per role in headless Chromium against a real stack whose gateway serves the built
// console at /console under its strict CSP: sign in, do the role's main tasks, see the result
// and its audit event, sign out; what the role may not do is not offered. Every screen is
// scanned with axe-core (no serious or critical violation) and photographed.

let t: TestStack;
let built: Awaited<ReturnType<typeof buildConsole>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let csp: string[];

beforeAll(async () => {
  built = await buildConsole();
  t = await startTestStack({ CONSOLE_DIR: built.dir }, { worker: false });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  built?.remove();
});

const freshPage = async (viewport = { width: 1280, height: 900 }) => {
  await context?.close();
  context = await browser.newContext({ viewport });
  page = await context.newPage();
  csp = watchCsp(page);
  return page;
};

/** Scans and photographs the screen as it is now. */
const check = async (name: string) => {
  expect(await seriousViolations(page), name).toEqual([]);
  await screenshot(page, name);
};

/** A 1×1 PNG: bytes the files service recognises as image/png. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082",
  "hex",
);

/** The gateway's origin (its URL names /graphql). */
const gateway = () => new URL(t.stack.gatewayUrl).origin;

describe("site admin", () => {
  let home: Awaited<ReturnType<typeof createSiteWithAdmin>>;
  let organizationId: string;

  beforeAll(async () => {
    const owner = await createTestAccount(t.db.platform);
    const organization = await t.db.platform.organization.create({
      data: {
        slug: randomSlug("org"),
        name: "Console Org",
        members: { create: { accountId: owner.id, role: "OWNER" } },
      },
    });
    organizationId = organization.id;
    home = await createSiteWithAdmin(t, organizationId);
  });

  it("signs in to the site, manages users, groups and API keys, reads the audit trail, signs out", async () => {
    await freshPage();
    await page.goto(`${gateway()}/console/`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await check("sign-in");
    await signIn(page, gateway(), { ...home.admin, site: home.site.slug });

    // Users: create one, see it listed, deactivate it.
    await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
    await check("site-users");
    const email = `${randomSlug("new")}@example.test`;
    await page.getByText("Create a user").click();
    const create = page.locator("details", { hasText: "Create a user" });
    await create.getByLabel("Email").fill(email);
    await create.getByLabel("Name").fill("Nina New");
    await create.getByLabel("Password").fill(`pw-${randomSlug("p")}-long`);
    await create.getByRole("button", { name: "Create user" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `${email} created.` })
      .waitFor();
    const row = page.getByRole("row", { name: new RegExp(email) });
    await expect.poll(() => row.count()).toBe(1);
    await page.getByRole("button", { name: `Deactivate ${email}` }).click();
    await expect.poll(() => row.getByRole("cell", { name: "Deactivated" }).count()).toBe(1);
    await page.getByRole("button", { name: `Restore ${email}` }).waitFor();

    // A bad input shows its code and field.
    await create.getByLabel("Email").fill(email);
    await create.getByLabel("Name").fill("Again");
    await create.getByLabel("Password").fill(`pw-${randomSlug("p")}-long`);
    await create.getByRole("button", { name: "Create user" }).click();
    const alert = create.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/CONFLICT on email/);
    expect(await alert.textContent()).toMatch(/Request id: [\w-]+/);

    // Groups.
    await openSection(page, "Groups");
    await page.getByText("Create a group").click();
    const groupName = `Editors ${randomSlug("g")}`;
    await page.getByLabel("Group name").fill(groupName);
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("row", { name: new RegExp(groupName) }).waitFor();
    await page.getByRole("button", { name: `Open ${groupName}` }).click();
    await page.getByLabel("Permission to grant").selectOption("users.view");
    await page.getByRole("button", { name: "Grant permission" }).click();
    await page.getByRole("button", { name: `Revoke users.view from ${groupName}` }).waitFor();
    await check("site-groups");

    await openSection(page, "Who holds what");
    await page
      .getByRole("row", { name: /users\.view/ })
      .first()
      .waitFor();
    await check("site-access");

    // API keys: the key is shown once, then revoked.
    await openSection(page, "API keys");
    await page.getByText("Create an API key").click();
    await page.getByLabel("Key name").fill("CI key");
    await tick(page, "users.view");
    await page.getByRole("button", { name: "Create API key" }).click();
    const key = await page.getByLabel("New API key").inputValue();
    expect(key?.length).toBeGreaterThan(20);
    await page.getByRole("button", { name: "Revoke CI key" }).click();
    await page.getByLabel("Show keys", { exact: true }).selectOption("revoked");
    await page.getByRole("row", { name: /CI key/ }).waitFor();
    await check("site-api-keys");

    await openSection(page, "Files");
    await page.getByText("No files yet.").waitFor();
    await page.getByText(/^Storage used: 0 B/).waitFor();
    // Upload: hashed in the page, PUT to the files service's local store (another origin, which
    // the console's CSP allows), completed; the file is listed READY.
    const puts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "PUT") puts.push(new URL(r.url()).origin);
    });
    await page
      .getByLabel("File to upload")
      .setInputFiles({ name: "pixel.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "pixel.png uploaded: READY." }).waitFor();
    const uploaded = page.getByRole("row", { name: /pixel\.png/ });
    await uploaded.getByRole("cell", { name: "READY" }).waitFor();
    await page.getByText(`Storage used: ${PNG.length} B`).waitFor();
    const filesOrigin = new URL(t.stack.subgraphUrls.files ?? "http://files.invalid").origin;
    expect(puts).toEqual([filesOrigin]);
    expect(filesOrigin).not.toBe(gateway());
    // Bytes that are not the type they claim: refused with its code and message, nothing kept.
    await page
      .getByLabel("File to upload")
      .setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("plain text\n") });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const refusal = page.getByRole("form", { name: "Upload a file" }).getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^BAD_USER_INPUT on contentType: the bytes are not image\/png; the upload was deleted/,
    );
    await page.getByRole("button", { name: "Upload", exact: true }).and(page.locator(":enabled")).waitFor();
    expect(await page.getByRole("row", { name: /fake\.png/ }).count()).toBe(0);
    await check("site-files");

    await openSection(page, "Settings");
    await page.getByRole("checkbox", { name: "Anyone may sign up" }).waitFor();
    await check("site-settings");

    // The audit trail has the upload and the user's creation, with its before/after.
    await openSection(page, "Audit trail");
    await page.getByLabel("Action").fill("file.created");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(".event", { hasText: "pixel.png" }).waitFor();
    await page.getByLabel("Action").fill("user.created");
    await page.getByRole("button", { name: "Filter" }).click();
    const event = page.locator(".event", { hasText: email });
    await event.waitFor();
    expect(await event.locator("td.after").allTextContents()).toContain(JSON.stringify(email));
    await check("site-audit");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(csp).toEqual([]);
  });

  it("offers a user who may only view users nothing else, and no way to change them", async () => {
    const viewer = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: viewer.id }, "users.view");
    await freshPage();
    await signIn(page, gateway(), { email: viewer.email, password: viewer.password, site: home.site.slug });
    await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
    await page.getByRole("row", { name: new RegExp(viewer.email) }).waitFor();
    const nav = await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("button")
      .allTextContents();
    expect(nav).toEqual(["Users", "Settings"]);
    expect(await page.getByText("Create a user").count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Deactivate / }).count()).toBe(0);
    await check("site-users-viewer");
  });

  it("offers a user who may only view files no upload and no deletion", async () => {
    const viewer = await siteUser(t, home.site);
    await grantDirectly(t, home.site, { userId: viewer.id }, "files.view");
    await freshPage();
    await signIn(page, gateway(), { email: viewer.email, password: viewer.password, site: home.site.slug });
    await openSection(page, "Files");
    await page.getByRole("row", { name: /pixel\.png/ }).waitFor();
    expect(await page.getByLabel("File to upload").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Upload", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Delete / }).count()).toBe(0);
    await page.getByRole("button", { name: "Download pixel.png" }).waitFor();
    await check("site-files-viewer");
    expect(csp).toEqual([]);
  });

  it("fits a narrow screen", async () => {
    await freshPage({ width: 390, height: 844 });
    await signIn(page, gateway(), { ...home.admin, site: home.site.slug });
    await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await check("site-users-narrow");
  });

  it("says why a wrong password is refused", async () => {
    await freshPage();
    await page.goto(`${gateway()}/console/`);
    await page.getByLabel("Email").fill(home.admin.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByLabel("Site").fill(home.site.slug);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/UNAUTHENTICATED/);
  });
});

describe("organization owner", () => {
  it("opens the organization, invites a member and revokes it, sees the audit events; no operator screens", async () => {
    const owner = await signedInAccount(t);
    const organization = await t.db.platform.organization.create({
      data: {
        slug: randomSlug("org"),
        name: "Owner Org",
        plan: "PRO",
        members: { create: { accountId: owner.id, role: "OWNER" } },
      },
    });
    await freshPage();
    await signIn(page, gateway(), { email: owner.email, password: owner.password });
    await page.getByRole("heading", { level: 1, name: "Organizations" }).waitFor();
    const nav = await page
      .getByRole("navigation", { name: "Sections" })
      .getByRole("button")
      .allTextContents();
    expect(nav).toEqual(["Organizations", "Audit trail"]);
    await page.getByRole("button", { name: "Open Owner Org" }).click();
    await page.getByRole("heading", { name: "Owner Org" }).waitFor();
    await check("org-detail");

    const invitee = `${randomSlug("inv")}@example.test`;
    await page.getByLabel("Invitee email").fill(invitee);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByRole("row", { name: new RegExp(invitee) }).waitFor();
    await page.getByRole("button", { name: `Revoke the invitation of ${invitee}` }).click();
    await expect.poll(() => page.getByRole("row", { name: new RegExp(invitee) }).count()).toBe(0);
    await page.getByLabel("Invitation status").selectOption("REVOKED");
    await page.getByRole("row", { name: new RegExp(invitee) }).waitFor();
    await check("org-invitations");

    // A site with its first admin.
    await page.getByText("Create a site").click();
    const slug = randomSlug("site");
    await page.getByLabel("Site name").fill("Owner Site");
    await page.getByLabel("Site slug").fill(slug);
    await page.getByLabel("First admin's email").fill(`${randomSlug("a")}@example.test`);
    await page.getByLabel("First admin's password").fill(`pw-${randomSlug("p")}-long`);
    await page.getByRole("button", { name: "Create site" }).click();
    await page.getByText("Owner Site is ACTIVE.").waitFor();
    await page.getByRole("row", { name: new RegExp(`${slug}\\.`) }).waitFor();

    // Its settings: renamed, sign-up opened (updateSite).
    const site = await t.db.platform.site.findUniqueOrThrow({ where: { slug } });
    const pending = `${randomSlug("pending")}.example.com`;
    await t.db.platform.domain.create({
      data: {
        siteId: site.id,
        hostname: pending,
        verificationToken: randomSlug("token"),
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    await page.getByRole("button", { name: "Settings and domains of Owner Site" }).click();
    const settings = page.getByRole("form", { name: "Site settings" });
    await settings.getByLabel("Display name").fill("Owner Site Renamed");
    await settings
      .locator("label.checkbox")
      .filter({ has: page.getByRole("checkbox", { name: "Anyone may sign up", exact: true }) })
      .click();
    await settings.getByRole("button", { name: "Save site" }).click();
    await page.getByRole("status").filter({ hasText: "Owner Site Renamed saved." }).waitFor();
    await page.getByRole("row", { name: /Owner Site Renamed/ }).waitFor();
    const saved = await t.db.platform.site.findUniqueOrThrow({ where: { id: site.id } });
    expect(saved.name).toBe("Owner Site Renamed");

    // Domains: two verified at once (DOMAIN_VERIFICATION=off), the first primary; the pending
    // one cannot be made primary and says why.
    const [first, second] = [1, 2].map((n) => `${randomSlug(`d${n}`)}.example.com`) as [string, string];
    for (const hostname of [first, second]) {
      await page.getByLabel("Domain", { exact: true }).fill(hostname);
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.getByRole("row", { name: new RegExp(hostname.replaceAll(".", "\\.")) }).waitFor();
    }
    const rowOf = (hostname: string) =>
      page.getByRole("row", { name: new RegExp(hostname.replaceAll(".", "\\.")) });
    await rowOf(first).getByRole("cell", { name: "VERIFIED, primary" }).waitFor();
    await rowOf(pending).getByText("Primary once verified").waitFor();
    expect(await page.getByRole("button", { name: `Make primary: ${pending}` }).count()).toBe(0);
    await page.getByRole("button", { name: `Make primary: ${second}` }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `${second} is the primary domain.` })
      .waitFor();
    await rowOf(second).getByRole("cell", { name: "VERIFIED, primary" }).waitFor();
    await rowOf(first).getByRole("cell", { name: "VERIFIED", exact: true }).waitFor();
    // Removal asks first; by keyboard, the confirmation takes the focus.
    await page.getByRole("button", { name: `Remove ${first}`, exact: true }).focus();
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("button", { name: `Confirm removal of ${first}` });
    await expect.poll(() => confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    await check("org-site-settings");
    await page.keyboard.press("Enter");
    await page
      .getByRole("status")
      .filter({ hasText: `${first} removed.` })
      .waitFor();
    await expect.poll(() => rowOf(first).count()).toBe(0);
    const domains = await t.db.platform.domain.findMany({ where: { siteId: site.id } });
    expect(domains.map((d) => [d.hostname, d.isPrimary]).sort()).toEqual(
      [
        [pending, false],
        [second, true],
      ].sort(),
    );

    await openSection(page, "Audit trail");
    await page.locator(".event", { hasText: "site.updated" }).first().waitFor();
    await page.locator(".event", { hasText: "domain.primary_set" }).first().waitFor();
    await page.locator(".event", { hasText: "domain.removed" }).first().waitFor();
    await page.locator(".event", { hasText: "invitation.revoked" }).first().waitFor();
    await page.locator(".event", { hasText: "invitation.created" }).first().waitFor();
    await page.locator(".event", { hasText: "site.created" }).first().waitFor();
    await check("org-audit");
    expect(organization.id).toBeTruthy();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(csp).toEqual([]);
  });
});

describe("site admin, files on S3", () => {
  // Its own stack whose files service keeps bytes in a bucket (s3rver): the console's CSP then
  // allows FILES_S3_ENDPOINT's origin, derived by the gateway from the same variables.
  let s3: Awaited<ReturnType<typeof startOwnS3>>;
  let onS3: TestStack;

  beforeAll(async () => {
    s3 = await startOwnS3();
    onS3 = await startTestStack(
      {
        CONSOLE_DIR: built.dir,
        ...s3.filesEnv,
      },
      { worker: false },
    );
  }, 180_000);

  afterAll(async () => {
    await onS3?.close();
    await s3?.close();
  });

  it("uploads straight to the bucket under the console's CSP and lists the file READY", async () => {
    const owner = await createTestAccount(onS3.db.platform);
    const organization = await onS3.db.platform.organization.create({
      data: {
        slug: randomSlug("org"),
        name: "S3 Org",
        members: { create: { accountId: owner.id, role: "OWNER" } },
      },
    });
    const { site, admin } = await createSiteWithAdmin(onS3, organization.id);
    const origin = new URL(onS3.stack.gatewayUrl).origin;
    await freshPage();
    const puts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "PUT") puts.push(new URL(r.url()).origin);
    });
    await signIn(page, origin, { ...admin, site: site.slug });
    await openSection(page, "Files");
    await page.getByText("No files yet.").waitFor();
    await page
      .getByLabel("File to upload")
      .setInputFiles({ name: "pixel.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "pixel.png uploaded: READY." }).waitFor();
    await page
      .getByRole("row", { name: /pixel\.png/ })
      .getByRole("cell", { name: "READY" })
      .waitFor();
    expect(puts).toEqual([new URL(s3.endpoint).origin]);
    await check("site-files-s3");
    expect(csp).toEqual([]);
  });
});

describe("organization member", () => {
  it("sees the sites' domains but is offered no settings, primary or removal", async () => {
    const owner = await createTestAccount(t.db.platform);
    const member = await signedInAccount(t);
    const organization = await t.db.platform.organization.create({
      data: {
        slug: randomSlug("org"),
        name: "Member Org",
        members: {
          create: [
            { accountId: owner.id, role: "OWNER" },
            { accountId: member.id, role: "MEMBER" },
          ],
        },
      },
    });
    const site = await t.createSite(organization.id);
    const hostname = `${randomSlug("m")}.example.com`;
    await t.db.platform.domain.create({
      data: {
        siteId: site.id,
        hostname,
        status: "VERIFIED",
        isPrimary: true,
        verificationToken: randomSlug("token"),
        verifiedAt: new Date(),
      },
    });
    await freshPage();
    await signIn(page, gateway(), { email: member.email, password: member.password });
    await page.getByRole("button", { name: "Open Member Org" }).click();
    await page.getByRole("heading", { name: "Member Org" }).waitFor();
    const siteName = (await t.db.platform.site.findUniqueOrThrow({ where: { id: site.id } })).name;
    expect(await page.getByRole("button", { name: `Settings and domains of ${siteName}` }).count()).toBe(0);
    expect(await page.getByText("Create a site").count()).toBe(0);
    await page.getByRole("button", { name: `Domains of ${siteName}` }).click();
    await page.getByRole("row", { name: new RegExp(hostname.replaceAll(".", "\\.")) }).waitFor();
    expect(await page.getByRole("form", { name: "Site settings" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Make primary/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Remove / }).count()).toBe(0);
    expect(await page.getByLabel("Domain", { exact: true }).count()).toBe(0);
    await check("org-member-domains");
    expect(csp).toEqual([]);
  });
});

describe("platform operator", () => {
  it("filters sites, suspends a selection and resumes one, sees the audit events and the system status", async () => {
    const operator = await signedInAccount(t, { isSuperuser: true });
    const marker = randomSlug("ops");
    const owner = await createTestAccount(t.db.platform);
    const organization = await t.db.platform.organization.create({
      data: {
        slug: `${marker}-org`,
        name: "Ops Org",
        members: { create: { accountId: owner.id, role: "OWNER" } },
      },
    });
    const sites = [];
    for (const n of [1, 2, 3]) {
      const site = await t.createSite(organization.id);
      await t.db.platform.site.update({ where: { id: site.id }, data: { name: `${marker} site ${n}` } });
      sites.push(site);
    }
    const [first, second, third] = sites as [(typeof sites)[0], (typeof sites)[0], (typeof sites)[0]];

    await freshPage();
    await signIn(page, gateway(), { email: operator.email, password: operator.password });
    await page.getByRole("heading", { level: 1, name: "Sites" }).waitFor();
    await page.getByLabel("Search sites").fill(marker);
    await expect.poll(() => page.getByRole("row", { name: new RegExp(marker) }).count()).toBe(3);
    await tick(page, `Select ${first.slug}`);
    await tick(page, `Select ${second.slug}`);
    await check("platform-sites-selected");
    await page.getByRole("button", { name: "Suspend selected" }).click();
    await page.getByText("Suspend: 2 of 2 site(s) changed.").waitFor();
    await page.getByLabel("Status").selectOption("SUSPENDED");
    await expect.poll(() => page.getByRole("row", { name: new RegExp(marker) }).count()).toBe(2);
    expect(await page.getByRole("row", { name: new RegExp(third.slug) }).count()).toBe(0);
    await page.getByRole("button", { name: `Resume ${first.slug}` }).click();
    await expect.poll(() => page.getByRole("row", { name: new RegExp(marker) }).count()).toBe(1);
    const statuses = await t.db.platform.site.findMany({
      where: { id: { in: sites.map((s) => s.id) } },
      orderBy: { createdAt: "asc" },
    });
    expect(statuses.map((s) => s.status)).toEqual(["ACTIVE", "SUSPENDED", "ACTIVE"]);

    await openSection(page, "Organizations");
    await page.getByLabel("Search organizations").fill(marker);
    await page.getByRole("row", { name: new RegExp(`${marker}-org`) }).waitFor();
    await page.getByLabel(`Plan of ${marker}-org`, { exact: true }).selectOption("PRO");
    await expect
      .poll(
        async () => (await t.db.platform.organization.findUnique({ where: { id: organization.id } }))?.plan,
      )
      .toBe("PRO");
    await page.getByRole("button", { name: `Open ${marker}-org` }).click();
    await page.getByRole("heading", { name: "Ops Org" }).waitFor();
    await page.getByRole("row", { name: new RegExp(owner.email) }).waitFor();
    await check("platform-organizations");

    await openSection(page, "Accounts");
    await page.getByLabel("Search accounts").fill(operator.email);
    await page.getByRole("row", { name: new RegExp(operator.email) }).waitFor();
    await check("platform-accounts");

    await openSection(page, "Audit trail");
    await page.getByLabel("Action").fill("site.suspended");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(".event", { hasText: second.id }).waitFor();
    await check("platform-audit");

    await openSection(page, "System status");
    await page.getByText("Platform: ready").waitFor();
    await page.getByRole("row", { name: /postgres Up/ }).waitFor();
    await check("platform-status");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(csp).toEqual([]);
  });
});
