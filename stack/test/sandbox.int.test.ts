import { hashPassword } from "@taruvi/auth";
import { createSite, loadTenantSets } from "@taruvi/migrator";
import { seedSiteAdmin } from "@taruvi/platform";
import { randomSlug } from "@taruvi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpResult, httpRequest, startTestStack, strongPassword, type TestStack } from "./helpers";

const PLACEHOLDER = "Bearer <paste access token from signIn>";

let t: TestStack;
/** The site SANDBOX_TENANT names, its admin, and a platform account owning its organization. */
const tenant = randomSlug("shop");
const siteAdmin = { email: `${randomSlug("admin")}@example.test`, password: strongPassword() };
const owner = { email: `${randomSlug("owner")}@example.test`, password: strongPassword() };
let organizationSlug: string;

beforeAll(async () => {
  t = await startTestStack({ SANDBOX_TENANT: tenant }, { worker: false });
  const account = await t.db.platform.account.create({
    data: { email: owner.email, name: "Owner", passwordHash: await hashPassword(owner.password) },
  });
  organizationSlug = randomSlug("org");
  const organization = await t.db.platform.organization.create({
    data: {
      slug: organizationSlug,
      name: "Sandbox Org",
      members: { create: { accountId: account.id, role: "OWNER" } },
    },
  });
  await createSite(
    t.db.pool,
    { organizationId: organization.id, slug: tenant, name: "Shop" },
    {
      sets: loadTenantSets(),
      seed: seedSiteAdmin({
        email: siteAdmin.email,
        name: "Shop Admin",
        passwordHash: await hashPassword(siteAdmin.password),
      }),
    },
  );
});
afterAll(() => t.close());

/** What a browser gets at /graphql. */
const openPage = () =>
  httpRequest(t.stack.gatewayUrl, { method: "GET", headers: { accept: "text/html,application/xhtml+xml" } });

type SandboxState = {
  document: string;
  variables: { input: { email: string; password: string } };
  headers: Record<string, string>;
  includeCookies: boolean;
};

/** The initial state the page hands to Apollo's EmbeddedSandbox. */
const sandboxStateOf = (page: HttpResult): SandboxState => {
  const match = /var embeddedSandboxConfig = (.*);\n/.exec(page.body);
  if (!match?.[1]) throw new Error("the page configures no Sandbox");
  return JSON.parse(match[1]).initialState;
};

/** Runs one operation of the Sandbox's document as the Sandbox would: its headers, JSON over POST. */
const runAsSandbox = (
  state: SandboxState,
  operationName: string,
  { headers, variables }: { headers: Record<string, string>; variables?: unknown },
) =>
  httpRequest(t.stack.gatewayUrl, {
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: state.document, operationName, variables }),
  });

const directive = (csp: string, name: string) =>
  csp
    .split(";")
    .map((part) => part.trim().split(/\s+/))
    .find(([key]) => key === name)
    ?.slice(1) ?? [];

describe("Apollo Sandbox in development", () => {
  it("opens on the example operations with X-Tenant set and an Authorization header to fill in", async () => {
    const page = await openPage();
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    const state = sandboxStateOf(page);
    expect(state.headers).toEqual({ "X-Tenant": tenant, Authorization: PLACEHOLDER });
    expect(state.includeCookies).toBe(false);
    expect(state.document).toContain("mutation SignIn(");
    expect(state.document).toContain("query Me {");
    expect(state.document).toContain("query MyOrganizations {");
    expect(state.document).toContain(
      `# Scope: the X-Tenant header (Headers tab) addresses the site "${tenant}"`,
    );
    expect(state.document).toMatch(
      /run SignIn;\n# 2\. copy accessToken from the response; 3\. in the Authorization/,
    );
  });

  it("is allowed by its CSP to load Sandbox's script, styles and frame", async () => {
    const page = await openPage();
    const csp = String(page.headers["content-security-policy"]);
    const scripts = [...page.body.matchAll(/<script[^>]* src="(https:\/\/[^/"]+)/g)].map((m) => m[1]);
    expect(scripts).toEqual(["https://embeddable-sandbox.cdn.apollographql.com"]);
    for (const origin of scripts) expect(directive(csp, "script-src")).toContain(origin);
    const styles = [...page.body.matchAll(/<link\s+href="(https:\/\/[^/"]+)[^"]*"\s+rel="stylesheet"/g)].map(
      (m) => m[1],
    );
    expect(styles.length).toBeGreaterThan(0);
    for (const origin of styles) expect(directive(csp, "style-src")).toContain(origin);
    expect(directive(csp, "frame-src")).toContain("https://sandbox.embed.apollographql.com");
    expect(directive(csp, "connect-src")).toContain("'self'");
    expect(directive(csp, "frame-ancestors")).toEqual(["'none'"]);
  });

  it("runs SignIn with the placeholder still in place, then Me with the pasted token (site scope)", async () => {
    const state = sandboxStateOf(await openPage());
    const signIn = await runAsSandbox(state, "SignIn", {
      headers: state.headers,
      variables: { input: siteAdmin },
    });
    expect(signIn.status).toBe(200);
    const token: string = signIn.json.data.signIn.accessToken;
    expect(signIn.json.data.signIn.user.email).toBe(siteAdmin.email);

    const pasted = { ...state.headers, Authorization: PLACEHOLDER.replace(/<.*>/, token) };
    const me = await runAsSandbox(state, "Me", { headers: pasted });
    expect(me.json).toEqual({
      data: {
        me: {
          id: signIn.json.data.signIn.user.id,
          email: siteAdmin.email,
          name: "Shop Admin",
          isAdmin: true,
        },
        currentSite: { slug: tenant, name: "Shop", status: "ACTIVE" },
      },
    });
    const anonymous = await runAsSandbox(state, "Me", { headers: state.headers });
    expect(anonymous.json.data.me).toBeNull();
  });

  it("runs SignIn and MyOrganizations in the platform scope once X-Tenant is removed", async () => {
    const state = sandboxStateOf(await openPage());
    const { "X-Tenant": _removed, ...platformHeaders } = state.headers;
    const signIn = await runAsSandbox(state, "SignIn", {
      headers: platformHeaders,
      variables: { input: owner },
    });
    const token: string = signIn.json.data.signIn.accessToken;
    const res = await runAsSandbox(state, "MyOrganizations", {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.json).toEqual({
      data: {
        organizations: [
          {
            slug: organizationSlug,
            name: "Sandbox Org",
            viewerRole: "OWNER",
            sites: [{ slug: tenant, name: "Shop", status: "ACTIVE" }],
          },
        ],
      },
    });
  });

  it("ignores only that exact placeholder: any other malformed credential is still 401", async () => {
    for (const authorization of ["Bearer <paste it here>", PLACEHOLDER.toLowerCase(), "Bearer"]) {
      const res = await t.gql("{ me { id } }", { tenant, headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
  });
});
