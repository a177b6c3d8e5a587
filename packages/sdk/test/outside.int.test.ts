import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { randomSlug } from "@taruvi/testing";
import { buildSchema, lexicographicSortSchema, printSchema } from "graphql";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../../examples/web/test/browser";
import { startTestStack, strongPassword, type TestStack } from "../../../stack/test/helpers";
import { CreateOrganizationDocument, CreateSiteDocument, createTaruviClient } from "../src/index";

// What a front-end team in a repository of its own does, and nothing of this workspace helps:
// a scratch project in a temporary folder installs the packed @taruvi/sdk (the tarball `npm pack`
// makes, no workspace link) with its codegen tools from the npm registry (cache first), writes a
// query of its own, generates its types with `npx taruvi-sdk generate`, type-checks with tsc, and
// runs the query against a real stack: from Node, and as a Vite build in Chromium whose gzip size
// is held to the README's budget. One install serves every test here.

const root = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

/** The minimal app's JavaScript, gzipped, at most (README: "Size"). */
const GZIP_BUDGET_BYTES = 5 * 1024;

/** The workspace's version of a package: the scratch install then finds it in the npm cache. */
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;

/** The environment without npm's variables of this workspace's run (its prefix, workspace, config). */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^npm_/i.test(key) ||
        /^npm_config_(cache|registry|userconfig)$/i.test(key) ||
        key === "npm_execpath",
    ),
  );

const sh = async (cwd: string, file: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    return await run(file, args, { cwd, env: { ...cleanEnv(), ...env }, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
};

/** The team's query: its organizations (with their sites), and one of them by slug (a variable). */
const QUERY_FILE = `import { graphql } from "./gql/index.js";

export const MyOrganizationsDocument = graphql(\`
  query MyOrganizations($slug: String!) {
    organizations {
      id
      slug
      name
      viewerRole
      sites {
        slug
        name
      }
    }
    organization(slug: $slug) {
      id
      plan
    }
  }
\`);
`;

/** The Node program: sign in, run the query, print the data as JSON. */
const MAIN_FILE = `import { createTaruviClient, TaruviError } from "@taruvi/sdk";
import type { MyOrganizationsQuery } from "./gql/graphql.js";
import { MyOrganizationsDocument } from "./organizations.js";

const [url, email, password, slug] = process.argv.slice(2) as [string, string, string, string];
const client = createTaruviClient({ url });
const session = await client.signIn({ email, password });
const data: MyOrganizationsQuery = await client.request(MyOrganizationsDocument, { slug });
// The result has the fields the query selects, and only those.
// @ts-expect-error createdAt is not selected
data.organizations[0]?.createdAt;
// @ts-expect-error the variable is required
void (() => client.request(MyOrganizationsDocument));
const wrong = await client
  .signIn({ email, password: \`\${password}-wrong\` })
  .then(() => null, (error: unknown) => (error instanceof TaruviError ? error.code : String(error)));
console.log(JSON.stringify({ user: session.user.email, data, wrong }));
`;

/** The browser app: a sign-in form, then the organizations. */
const APP_FILE = `import { createTaruviClient, localStorageTokenStorage, TaruviError } from "@taruvi/sdk";
import { MyOrganizationsDocument } from "./organizations.js";

const url = new URLSearchParams(location.search).get("gateway") ?? "http://localhost:4000/graphql";
const client = createTaruviClient({ url, storage: localStorageTokenStorage() });
const form = document.querySelector("form") as HTMLFormElement;
const out = document.querySelector("#out") as HTMLElement;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  try {
    await client.signIn({ email: String(fields.get("email")), password: String(fields.get("password")) });
    const { organizations } = await client.request(MyOrganizationsDocument, { slug: String(fields.get("slug")) });
    out.replaceChildren(
      ...organizations.map((organization) => {
        const item = document.createElement("li");
        item.textContent = \`\${organization.name} (\${organization.viewerRole ?? "-"}): \${(organization.sites ?? []).map((site) => site.name).join(", ")}\`;
        return item;
      }),
    );
  } catch (error) {
    out.textContent = error instanceof TaruviError ? \`\${error.code}: \${error.message}\` : String(error);
  }
});
`;

const INDEX_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>outside</title></head>
  <body>
    <form>
      <input name="email" aria-label="Email" />
      <input name="password" type="password" aria-label="Password" />
      <input name="slug" aria-label="Slug" />
      <button type="submit">Sign in</button>
    </form>
    <ul id="out"></ul>
    <script type="module" src="/src/app.ts"></script>
  </body>
</html>
`;

type Scratch = { dir: string; tarball: string; installSeconds: number };

/** Packs the SDK and installs it, with the codegen and build tools, in a new project under tmpdir. */
const scratchProject = async (): Promise<Scratch> => {
  const dir = mkdtempSync(join(tmpdir(), "taruvi-outside-"));
  expect(relative(root, dir).startsWith("..")).toBe(true);
  const { stdout } = await sh(root, "npm", [
    "pack",
    "-w",
    "@taruvi/sdk",
    "--json",
    "--pack-destination",
    dir,
  ]);
  const [packed] = JSON.parse(stdout.slice(stdout.search(/^\[/m))) as [{ filename: string }];
  const tarball = join(dir, packed.filename);
  const app = join(dir, "app");
  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify(
      {
        name: "outside-app",
        private: true,
        type: "module",
        dependencies: { "@taruvi/sdk": `file:${tarball}` },
        devDependencies: Object.fromEntries(
          ["@graphql-codegen/cli", "@parcel/watcher", "@types/node", "graphql", "typescript", "vite"].map(
            (name) => [name, versionOf(name)],
          ),
        ),
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        types: ["node"],
        strict: true,
        skipLibCheck: false,
        outDir: "build",
        rootDir: "src",
      },
      include: ["src"],
    }),
  );
  writeFileSync(join(app, "src/organizations.ts"), QUERY_FILE);
  writeFileSync(join(app, "src/main.ts"), MAIN_FILE);
  writeFileSync(join(app, "src/app.ts"), APP_FILE);
  writeFileSync(join(app, "index.html"), INDEX_HTML);
  const started = performance.now();
  await sh(app, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
  return { dir: app, tarball, installSeconds: (performance.now() - started) / 1000 };
};

/** Serves `dist` (index.html for the root) on a free port. */
const serveDir = async (dist: () => string): Promise<{ origin: string; server: Server }> => {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(dist(), path === "/" ? "index.html" : path.replace(/\.\.+/g, ""));
    readFile(file).then(
      (body) =>
        res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

let t: TestStack;
let scratch: Scratch;
let site: { origin: string; server: Server };
let browser: Browser;
const account = { email: `${randomSlug("outside")}@example.test`, password: strongPassword() };
let organization: { id: string; slug: string; name: string };
let siteName: string;

beforeAll(async () => {
  const started = performance.now();
  site = await serveDir(() => join(scratch.dir, "dist"));
  [t, scratch, browser] = await Promise.all([
    startTestStack({ CORS_ORIGINS: site.origin }),
    scratchProject(),
    launchChromium(),
  ]);
  // The account, an organization and a site, made through the workspace's SDK.
  const platform = createTaruviClient({ url: t.stack.gatewayUrl });
  await platform.signUp({ ...account, name: "Otto Outside" });
  ({ createOrganization: organization } = await platform.request(CreateOrganizationDocument, {
    input: { name: `Outside ${randomSlug("o")}`, slug: randomSlug("org") },
  }));
  siteName = `Outside Site ${randomSlug("s")}`;
  await platform.request(CreateSiteDocument, {
    input: {
      organizationId: organization.id,
      name: siteName,
      slug: randomSlug("site"),
      adminEmail: `${randomSlug("admin")}@example.test`,
      adminPassword: strongPassword(),
    },
  });
  console.log(
    `outside project: packed and installed in ${scratch.installSeconds.toFixed(1)} s (set-up ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.server.close(resolve));
  await t?.close();
  if (scratch) rmSync(dirname(scratch.dir), { recursive: true, force: true });
});

describe("an outside project on the packed SDK", () => {
  it("installs only the tarball: no workspace package, the build and the schema", () => {
    const installed = join(scratch.dir, "node_modules/@taruvi");
    expect(readdirSync(installed)).toEqual(["sdk"]);
    // A copy, not a link into the workspace.
    expect(statSync(join(installed, "sdk")).isDirectory()).toBe(true);
    const manifest = JSON.parse(readFileSync(join(installed, "sdk/package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.dependencies)).toEqual(["@graphql-typed-document-node/core"]);
    expect(readFileSync(join(installed, "sdk/dist/schema.graphql"), "utf8")).toBe(
      readFileSync(join(root, "supergraph/api-schema.graphql"), "utf8"),
    );
    const introspection = JSON.parse(readFileSync(join(installed, "sdk/dist/introspection.json"), "utf8"));
    expect(introspection.__schema.queryType.name).toBe("Query");
  });

  it("generates its query's types with one command, type-checks, and runs it against the gateway", async () => {
    const started = performance.now();
    await sh(scratch.dir, "npx", ["taruvi-sdk", "generate"]);
    const generated = readFileSync(join(scratch.dir, "src/gql/graphql.ts"), "utf8");
    expect(generated).toContain("export type MyOrganizationsQuery =");
    expect(generated).toContain("export const MyOrganizationsDocument =");
    const codegenSeconds = (performance.now() - started) / 1000;

    // tsc (NodeNext) checks the program, the @ts-expect-error lines included, and emits it.
    await sh(scratch.dir, "npx", ["tsc", "-p", "."]);
    const { stdout } = await sh(scratch.dir, "node", [
      "build/main.js",
      t.stack.gatewayUrl,
      account.email,
      account.password,
      organization.slug,
    ]);
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      user: account.email,
      data: {
        organizations: [
          {
            id: organization.id,
            slug: organization.slug,
            name: organization.name,
            viewerRole: "OWNER",
            sites: [expect.objectContaining({ name: siteName })],
          },
        ],
        organization: { id: organization.id, plan: expect.any(String) },
      },
      wrong: "UNAUTHENTICATED",
    });
    console.log(`outside project: codegen ${codegenSeconds.toFixed(1)} s`);

    // The same package from CommonJS.
    const { stdout: cjs } = await sh(scratch.dir, "node", [
      "-e",
      "const sdk = require('@taruvi/sdk'); console.log(typeof sdk.createTaruviClient, sdk.ERROR_CODES.length > 10)",
    ]);
    expect(cjs.trim()).toBe("function true");
  }, 240_000);

  it("generates against a development gateway's /schema.graphql, and regenerates in watch mode", async () => {
    const schemaUrl = t.stack.gatewayUrl.replace(/\/graphql$/, "/schema.graphql");
    const response = await fetch(schemaUrl);
    expect(response.status).toBe(200);
    // The schema the package ships (types in the gateway's sorted order).
    const sorted = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));
    expect(sorted(await response.text())).toBe(
      sorted(readFileSync(join(scratch.dir, "node_modules/@taruvi/sdk/dist/schema.graphql"), "utf8")),
    );
    await sh(scratch.dir, "npx", ["taruvi-sdk", "generate", "--schema", schemaUrl, "--check"]);

    // Watch: a new document is typed without running the command again.
    // The bin itself (what npx runs), so that stopping it stops the watcher.
    const watcher = execFile(join(scratch.dir, "node_modules/.bin/taruvi-sdk"), ["generate", "--watch"], {
      cwd: scratch.dir,
      env: cleanEnv(),
    });
    const exited = new Promise((resolve) => watcher.on("exit", resolve));
    let output = "";
    watcher.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    watcher.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    try {
      const graphqlFile = join(scratch.dir, "src/gql/graphql.ts");
      const deadline = Date.now() + 90_000;
      writeFileSync(
        join(scratch.dir, "src/me.ts"),
        'import { graphql } from "./gql/index.js";\n\nexport const WhoAmIDocument = graphql(`\n  query WhoAmI {\n    me {\n      email\n    }\n  }\n`);\n',
      );
      // Until the watcher is up the edit may go unseen: touch the file until the output has it.
      while (!readFileSync(graphqlFile, "utf8").includes("export type WhoAmIQuery =")) {
        if (Date.now() > deadline) throw new Error(`watch mode did not regenerate:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const path = join(scratch.dir, "src/me.ts");
        writeFileSync(path, readFileSync(path, "utf8"));
      }
    } finally {
      watcher.kill("SIGINT");
      const stuck = setTimeout(() => watcher.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(stuck);
      rmSync(join(scratch.dir, "src/me.ts"), { force: true });
    }
    await sh(scratch.dir, "npx", ["taruvi-sdk", "generate"]);
  }, 240_000);

  it("builds with Vite within the size budget and signs in and lists organizations in Chromium", async () => {
    await sh(scratch.dir, "npx", ["vite", "build", "--logLevel", "warn"]);
    const scripts = files(join(scratch.dir, "dist")).filter((file) => file.endsWith(".js"));
    const raw = scripts.reduce((sum, file) => sum + statSync(file).size, 0);
    const gzip = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
    console.log(`outside project: the minimal Vite app's JavaScript is ${raw} B, ${gzip} B gzipped`);
    expect(gzip).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    // Only the documents the app uses: the SDK's other operations are dropped.
    const bundle = scripts.map((file) => readFileSync(file, "utf8")).join("\n");
    expect(bundle).toContain("query MyOrganizations");
    expect(bundle).not.toContain("mutation CreateSite");

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${site.origin}/?gateway=${encodeURIComponent(t.stack.gatewayUrl)}`);
      await page.getByLabel("Email").fill(account.email);
      await page.getByLabel("Password").fill(account.password);
      await page.getByLabel("Slug").fill(organization.slug);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("#out li").first().waitFor();
      expect(await page.locator("#out").textContent()).toBe(`${organization.name} (OWNER): ${siteName}`);
    } finally {
      await context.close();
    }
  }, 240_000);
});
