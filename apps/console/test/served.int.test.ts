import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, startTestStack, type TestStack } from "../../../stack/test/helpers";
import { buildConsole } from "./harness";

// How the gateway serves the console: the static build at /console under a strict CSP (scripts
// 'self' only, styles 'self' plus this response's nonce), hashed assets cached, the app's own
// paths answered with index.html; and without a build, a clear 404, the API unaffected.

const get = (origin: string, path: string) => httpRequest(`${origin}${path}`, { method: "GET" });

describe("with a build", () => {
  let t: TestStack;
  let built: Awaited<ReturnType<typeof buildConsole>>;
  let origin: string;

  beforeAll(async () => {
    built = await buildConsole();
    t = await startTestStack({ CONSOLE_DIR: built.dir }, { worker: false });
    origin = new URL(t.stack.gatewayUrl).origin;
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    built?.remove();
  });

  it("serves index.html at /console with a strict CSP whose style nonce is in the page", async () => {
    for (const path of ["/console", "/console/", "/console/users"]) {
      const res = await get(origin, path);
      expect(res.status, path).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      const csp = String(res.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self';");
      // Same-origin API calls, and uploads to the files service's local store only (its origin).
      const files = new URL(t.stack.subgraphUrls.files ?? "http://files.invalid").origin;
      expect(csp).toContain(`connect-src 'self' ${files};`);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce).toBeTruthy();
      expect(res.body).toContain(`<meta name="csp-nonce" content="${nonce}" />`);
      expect(res.body).toMatch(
        /<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js">/,
      );
    }
    const again = await get(origin, "/console/");
    expect(again.headers["content-security-policy"]).not.toBe(
      (await get(origin, "/console/")).headers["content-security-policy"],
    );
  });

  it("serves the hashed assets for a year, and nothing outside the build", async () => {
    const page = await get(origin, "/console/");
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1] as string;
    const asset = await get(origin, script);
    expect(asset.status).toBe(200);
    expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await get(origin, "/console/assets/missing.js")).status).toBe(404);
    expect((await get(origin, "/console/..%2f..%2fpackage.json")).status).toBe(404);
    expect((await get(origin, "/console/%2e%2e/%2e%2e/package.json")).status).toBe(404);
    expect((await httpRequest(`${origin}/console/`, { method: "POST", body: "{}" })).status).toBe(405);
  });
});

describe("without a build", () => {
  let t: TestStack;
  const empty = mkdtempSync(join(tmpdir(), "taruvi-no-console-"));

  beforeAll(async () => {
    t = await startTestStack({ CONSOLE_DIR: empty }, { worker: false });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it("answers /console with how to build it, and the API still serves", async () => {
    const origin = new URL(t.stack.gatewayUrl).origin;
    const res = await get(origin, "/console/");
    expect(res.status).toBe(404);
    expect(res.json.errors[0]).toMatchObject({
      extensions: { code: "NOT_FOUND" },
      message: expect.stringContaining("The console is not built: run `npm run build`"),
    });
    const api = await t.gql("{ currentSite { id } }");
    expect(api.json).toEqual({ data: { currentSite: null } });
  });
});
