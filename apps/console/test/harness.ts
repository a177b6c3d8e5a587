/**
 * What the console's browser journeys share: the console built with Vite into a folder of its
 * own, a real stack whose gateway serves that build at /console (CONSOLE_DIR), headless Chromium
 * (/usr/bin/chromium, or CHROMIUM_PATH), an axe-core scan, screenshots and CSP violations.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";

const run = promisify(execFile);
const VITE = join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");

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

const root = fileURLToPath(new URL("../", import.meta.url));
/** Where the run writes a screenshot of each screen (apps/console/test-results/screenshots). */
export const SCREENSHOTS = join(root, "test-results", "screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });

/**
 * The console built for production into a temporary folder, by the Vite CLI as `npm run build`
 * runs it (a child process: Vitest's NODE_ENV=test would give React's development build);
 * `remove` deletes it.
 */
export const buildConsole = async () => {
  const dir = mkdtempSync(join(tmpdir(), "taruvi-console-"));
  await run(process.execPath, [VITE, "build", "--outDir", dir, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production" },
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

/** Every Content-Security-Policy violation the page reports (none is expected). */
export const watchCsp = (page: Page): string[] => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
};

/** axe-core's serious and critical violations of the page as it is now. */
export const seriousViolations = async (page: Page) => {
  // Evaluated through the DevTools protocol: the console's CSP (no inline scripts) stays on.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            c: unknown,
            o: unknown,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
          }>;
        };
      }
    ).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target) }));
};

/** A full-page screenshot named for the screen. */
export const screenshot = async (page: Page, name: string) => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

/** Signs in through the form (Site blank: the platform). */
export const signIn = async (
  page: Page,
  gatewayUrl: string,
  credentials: { email: string; password: string; site?: string },
) => {
  await page.goto(`${gatewayUrl}/console/`);
  await page.getByLabel("Email").fill(credentials.email);
  await page.getByLabel("Password").fill(credentials.password);
  await page.getByLabel("Site").fill(credentials.site ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
};

/** Opens a section from the navigation and waits for its heading. */
export const openSection = async (page: Page, title: string) => {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("button", { name: title }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
};

/**
 * Ticks or unticks a React Aria checkbox: its input is visually hidden (screen readers and the
 * keyboard reach it), so the click goes to its label, as a user's would.
 */
export const tick = async (page: Page, name: string) => {
  await page
    .locator("label.checkbox")
    .filter({ has: page.getByRole("checkbox", { name, exact: true }) })
    .click();
};
