import { readFileSync } from "node:fs";
import type { ApolloServerPlugin, BaseContext, GraphQLServerContext } from "@apollo/server";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { loadGatewayEnv } from "../src/env";
import { optionsFromEnv } from "../src/options";
import { SANDBOX_AUTHORIZATION_PLACEHOLDER, sandboxDocument, sandboxLandingPage } from "../src/sandbox";

/** The landing page HTML the plugin renders, as Apollo Server would ask for it. */
const renderPage = async (plugin: ApolloServerPlugin<BaseContext>): Promise<string> => {
  const listener = await plugin.serverWillStart?.({} as GraphQLServerContext);
  const page = await listener?.renderLandingPage?.();
  if (!page) throw new Error("no landing page");
  return typeof page.html === "string" ? page.html : page.html();
};

/** The configuration the page hands to Apollo's EmbeddedSandbox, as written in its inline script. */
const sandboxConfigOf = (html: string) => {
  const match = /var embeddedSandboxConfig = (.*);\n/.exec(html);
  if (!match?.[1]) throw new Error("no embeddedSandboxConfig in the page");
  return { raw: match[1], config: JSON.parse(match[1]) };
};

const apiSchema = buildSchema(
  readFileSync(new URL("../../../supergraph/api-schema.graphql", import.meta.url), "utf8"),
);

describe("the Sandbox landing page", () => {
  it("opens on the example operations with X-Tenant and an Authorization header to fill in", async () => {
    const html = await renderPage(sandboxLandingPage({ tenant: "shop" }));
    expect(html).toContain("https://embeddable-sandbox.cdn.apollographql.com/");
    const { raw, config } = sandboxConfigOf(html);
    expect(config.initialState.headers).toEqual({
      "X-Tenant": "shop",
      Authorization: "Bearer <paste access token from signIn>",
    });
    expect(config.initialState.document).toBe(sandboxDocument("shop"));
    expect(config.initialState.variables).toEqual({ input: { email: "", password: "" } });
    expect(config.initialState).toMatchObject({ includeCookies: false, pollForSchemaUpdates: false });
    expect(config.endpointIsEditable).toBe(false);
    // Nothing in the inline config may end the <script> it sits in.
    expect(raw).not.toMatch(/<\/|<!--|<script/i);
  });

  it("explains in the operation how to get a token and where to paste it", () => {
    const document = sandboxDocument("shop");
    expect(document).toContain('X-Tenant header (Headers tab) addresses the site "shop"');
    expect(document).toContain("run SignIn");
    expect(document).toContain("copy accessToken");
    expect(document).toContain("replace\n# <paste access token from signIn> with it");
    expect(SANDBOX_AUTHORIZATION_PLACEHOLDER).toBe("Bearer <paste access token from signIn>");
  });

  it("offers operations that are valid against the public API schema", () => {
    const document = parse(sandboxDocument("shop"));
    expect(validate(apiSchema, document)).toEqual([]);
    expect(document.definitions.map((d) => ("name" in d ? d.name?.value : undefined))).toEqual([
      "SignIn",
      "Me",
      "MyOrganizations",
    ]);
  });
});

describe("Sandbox settings", () => {
  const production = {
    NODE_ENV: "production",
    INTERNAL_CONTEXT_SECRET: "a-production-secret-of-at-least-thirty-two-bytes",
    SIGNING_KEYS: "[]",
    DATABASE_URL: "postgres://db.invalid/taruvi",
  };
  const optionsOf = (source: Record<string, string>) =>
    optionsFromEnv(loadGatewayEnv(source), {} as Parameters<typeof optionsFromEnv>[1]);

  it("serves the Sandbox (and introspection) outside production only, unless SANDBOX says otherwise", () => {
    expect(optionsOf({}).sandbox).toBe(true);
    expect(optionsOf({ SANDBOX: "false" }).sandbox).toBe(false);
    expect(optionsOf(production).sandbox).toBe(false);
    expect(optionsOf({ ...production, SANDBOX: "true" }).sandbox).toBe(true);
  });

  it("starts X-Tenant at the demo site acme unless SANDBOX_TENANT says otherwise", () => {
    expect(optionsOf({}).sandboxTenant).toBe("acme");
    expect(optionsOf({ SANDBOX_TENANT: "shop" }).sandboxTenant).toBe("shop");
  });
});
